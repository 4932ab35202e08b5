"""Matrix provider: an origin–destination CSV computed elsewhere, validated on load."""

import numpy as np
import pytest

from indicators.engine.travel import NO_DESTINATION, Places, provider_from_parameters
from indicators.engine.travel.matrix import MatrixError, MatrixProvider

VALID = """origin_id,destination_id,minutes
06088,H1,12.5
06088,H2,4
06004,H1,20
06004,H3,35.25
01001,H2,0
"""


def write(tmp_path, text, name="matrix.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def places(*ids):
    n = len(ids)
    return Places(np.array(ids, dtype=object), np.zeros(n), np.zeros(n))


@pytest.fixture
def matrix(tmp_path):
    return MatrixProvider.from_csv(write(tmp_path, VALID))


def test_nearest_looks_times_up_by_id_and_fills_the_rest(matrix):
    minutes, index = matrix.nearest(
        places("06004", "06088", "01001"), places("H3", "H2", "H1"), k=3
    )
    np.testing.assert_array_equal(minutes[0], [20, 35.25, np.inf])
    np.testing.assert_array_equal(index[0], [2, 0, NO_DESTINATION])
    np.testing.assert_array_equal(minutes[1], [4, 12.5, np.inf])
    np.testing.assert_array_equal(index[1], [1, 2, NO_DESTINATION])
    np.testing.assert_array_equal(minutes[2], [0, np.inf, np.inf])  # a real 0-minute pair
    np.testing.assert_array_equal(index[2], [1, NO_DESTINATION, NO_DESTINATION])


def test_ids_keep_their_leading_zeros(matrix):
    minutes, _ = matrix.nearest(places("01001"), places("H2"), k=1)
    assert minutes[0, 0] == 0.0
    with pytest.raises(MatrixError, match="1001"):
        matrix.nearest(places("1001"), places("H2"))


def test_an_id_asked_twice_gets_its_times_twice(matrix):
    minutes, index = matrix.nearest(places("06088", "06088"), places("H2", "H2"), k=2)
    np.testing.assert_array_equal(minutes, [[4, 4], [4, 4]])
    assert sorted(index[0].tolist()) == [0, 1]


def test_within_is_inclusive_and_pairs_absent_from_the_matrix_are_unreachable(matrix):
    pairs = matrix.within(places("06088", "06004"), places("H1", "H2", "H3"), 20)
    assert list(zip(pairs.origin, pairs.destination, pairs.minutes, strict=True)) == [
        (0, 0, 12.5),
        (0, 1, 4.0),
        (1, 0, 20.0),
    ]


def test_an_origin_or_destination_absent_from_the_matrix_is_an_error(matrix):
    with pytest.raises(
        MatrixError, match=r"matrix.csv: 1 origin id\(s\) absent from the matrix: 75056"
    ):
        matrix.nearest(places("06088", "75056"), places("H1"))
    with pytest.raises(MatrixError, match="destination id.*H9"):
        matrix.within(places("06088"), places("H9"), 30)


def test_parameters_name_the_file_and_rebuild_the_provider(matrix, tmp_path):
    parameters = matrix.parameters()
    assert parameters == {"provider": "matrix", "path": str(tmp_path / "matrix.csv"), "pairs": 5}
    rebuilt = provider_from_parameters(parameters)
    assert rebuilt.nearest(places("06004"), places("H1"))[0][0, 0] == 20


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("origin_id,minutes\n06088,12\n", "missing column.*destination_id"),
        (
            "origin_id,destination_id,minutes\n06088,H1,12\n06004,H1,abc\n",
            "line 3: minutes is not a number",
        ),
        ("origin_id,destination_id,minutes\n06088,H1,-2\n", "line 2: negative travel time"),
        (
            "origin_id,destination_id,minutes\n06088,H1,\n06004,H1,3\n",
            "line 2: missing travel time",
        ),
        (
            "origin_id,destination_id,minutes\n06088,H1,1\n06088,H1,2\n",
            "line 3: the pair 06088 → H1 is given twice",
        ),
        ("origin_id,destination_id,minutes\n,H1,1\n", "line 2: empty origin_id"),
        ("origin_id,destination_id,minutes\n06088,H1,inf\n", "line 2: minutes is not a number"),
        ("", "not a readable CSV"),
    ],
)
def test_it_rejects_a_bad_matrix_naming_the_line(tmp_path, text, message):
    with pytest.raises(MatrixError, match=message) as error:
        MatrixProvider.from_csv(write(tmp_path, text, "bad.csv"))
    assert str(error.value).startswith("bad.csv")


def test_a_matrix_error_is_a_value_error():
    assert issubclass(MatrixError, ValueError)


def test_a_commune_to_commune_matrix_with_semicolons_is_read(tmp_path):
    """The issue's layout: ``origin_commune;destination_commune;minutes`` (e.g. from INSEE's
    Metric distancier), ids kept as text."""
    path = write(
        tmp_path, "origin_commune;destination_commune;minutes\n01001;01002;7.5\n", "metric.csv"
    )
    provider = MatrixProvider.from_csv(path)
    pairs = provider.within(
        Places(np.array(["01001"], dtype=object), np.zeros(1), np.zeros(1)),
        Places(np.array(["01002"], dtype=object), np.zeros(1), np.zeros(1)),
        20.0,
    )
    assert pairs.minutes.tolist() == [7.5]

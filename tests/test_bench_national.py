"""bench/bench_national.py at reduced size: its own code on two départements of two regions
(Ain, 84, and Jura, 27), every step from the files to the runs.

The full national bench (34,868 communes, 60,000 practice sites) is a bench, not a test: its
times depend on the machine. This checks what it asserts whatever the size: the generated
authorisations (official FINESS extract layout) leave no level missing in any region, the APL
is finite for every commune, and every region's run is done with its levels computed.
"""

import math

import pytest

from bench import bench_national
from indicators.models import AplValue, IndicatorRun
from pathways.models import Level

DEPARTMENTS = ["01", "39"]


@pytest.mark.django_db
def test_the_national_bench_on_two_departments(open_data, tmp_path, capsys):
    result = bench_national.run(
        departments=DEPARTMENTS, n_sites=300, seed=3, workdir=tmp_path, data=open_data
    )

    assert sorted(result["levels"]) == ["27", "84"]
    for code, states in result["levels"].items():
        assert states["missing"] == [], code
        assert len(states["computed"]) == Level.current.count() == 6, (code, states)
    runs = {run.region.code: run for run in result["apl_runs"]}
    assert sorted(runs) == ["27", "84"]
    values = list(AplValue.objects.filter(run__in=runs.values()).values_list("value", flat=True))
    assert len(values) == sum(run.summary["communes"] for run in runs.values()) > 500
    assert all(v is not None and math.isfinite(v) for v in values)
    assert any(v > 0 for v in values)
    assert {run.region.code for run in result["runs"]} == {"27", "84"}
    for run in result["runs"]:
        run.refresh_from_db()
        assert run.status == IndicatorRun.Status.DONE
        assert {s["state"] for s in run.level_states.values()} == {"computed"}
        assert run.values.exists()
    bench_national.verdicts(result)  # its speed verdicts are the bench's, not a test's
    printed = capsys.readouterr().out
    assert "none missing" in printed
    assert "finite True" in printed

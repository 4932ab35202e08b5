"""Import of the MCS and héliSMUR CSVs (``facilities.importers_emergency``, issue 11 §3):
commune codes through ``territories.cog`` (current, arrondissement, former), coordinates only
placed by polygon, idempotence, the Imports page record, and refusals naming file and line."""

import pytest
from django.core.management import CommandError, call_command

from facilities.models import EmergencyResource
from opendata.models import ImportRecord
from territories.models import FormerCommuneCode, MunicipalDistrict
from tests.factories import make_commune, make_department

pytestmark = pytest.mark.django_db

HEADER = "id;nom;commune;lon;lat;samu;date_debut;date_fin"


@pytest.fixture
def communes():
    """69123 Lyon (with its 1st arrondissement 69381) at grid cell (0, 0) and 69001 at (1, 0),
    which absorbed the former commune 69999."""
    rhone = make_department("69", "Rhône")
    lyon = make_commune("69123", col=0, row=0, department=rhone, name="Lyon")
    other = make_commune("69001", col=1, row=0, department=rhone)
    MunicipalDistrict.objects.create(code="69381", name="Lyon 1er", commune=lyon)
    FormerCommuneCode.objects.create(code="69999", commune=other)
    return {"lyon": lyon, "other": other}


def write(tmp_path, *rows: str, name: str = "mcs.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def run(kind: str, path) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_open_data", kind, str(path), stdout=out, stderr=StringIO())
    return out.getvalue()


def test_mcs_are_placed_by_code_district_former_code_or_point_and_reimport_changes_nothing(
    communes, tmp_path
):
    path = write(
        tmp_path,
        "M1;Dr A;69123;;;SAMU 69;2024-01-01;",
        "M2;Dr B;69381;;;SAMU 69;01/02/2024;31/12/2026",
        "M3;Dr C;69999;;;SAMU 69;;",
        "M4;Dr D;;4.575;45.525;SAMU 69;;",  # in cell (1, 0): 69001
    )
    first = run("mcs", path)
    assert "4 created" in first and "0 rejected" in first
    placed = dict(EmergencyResource.objects.values_list("source_id", "commune__code"))
    assert placed == {"M1": "69123", "M2": "69123", "M3": "69001", "M4": "69001"}
    m2 = EmergencyResource.objects.get(source_id="M2")
    assert (m2.kind, str(m2.start_date), str(m2.end_date)) == ("mcs", "2024-02-01", "2026-12-31")
    assert m2.point is None
    assert "4 unchanged" in run("mcs", path)
    assert ImportRecord.objects.filter(kind="mcs", status="done").count() == 2


def test_a_helismur_base_of_the_same_id_is_another_resource(communes, tmp_path):
    run("mcs", write(tmp_path, "B1;Dr A;69123;;;SAMU 69;;"))
    run("helismur", write(tmp_path, "B1;Base de Bron;;4.93;45.73;SAMU 69;;", name="h.csv"))
    assert sorted(EmergencyResource.objects.values_list("kind", "source_id")) == [
        ("helismur", "B1"), ("mcs", "B1")
    ]  # fmt: skip
    base = EmergencyResource.objects.get(kind="helismur")
    assert base.commune is None and (base.point.x, base.point.y) == (4.93, 45.73)


@pytest.mark.parametrize(
    ("row", "where", "reason"),
    [
        ("M1;Dr A;;;;SAMU 69;;", "line 3", "neither commune nor coordinates"),
        ("M1;Dr A;;-60.0;10.0;SAMU 69;;", "line 3", "outside France"),
        ("M1;Dr A;69777;;;SAMU 69;;", r"line 3 (code 69777)", "found nowhere"),
        ("M1;Dr A;75056;;;SAMU 75;;", r"line 3 (code 75056)", "département 75 is not loaded"),
        ("M1;Dr A;69123;;;SAMU 69;2025-01-01;2024-01-01", "line 3", "is before date_debut"),
        ("M1;Dr A;69123;;;SAMU 69;demain;", "line 3", "date_debut 'demain' is not a date"),
    ],
)
def test_a_bad_line_is_refused_with_file_line_and_reason_and_nothing_written(
    communes, tmp_path, row, where, reason
):
    path = write(tmp_path, "M0;Dr Z;69123;;;SAMU 69;;", row)
    with pytest.raises(CommandError) as refused:
        run("mcs", path)
    assert f"{path}, {where}: " in str(refused.value) and reason in str(refused.value)
    assert not EmergencyResource.objects.exists()


def test_the_admin_lists_them_read_only(communes, tmp_path, admin_client):
    from django.urls import reverse

    run("mcs", write(tmp_path, "M1;Dr Lyonnais;69123;;;SAMU 69;;"))
    page = admin_client.get(reverse("admin:facilities_emergencyresource_changelist"))
    assert page.status_code == 200 and "Dr Lyonnais" in page.content.decode()
    add = admin_client.get(reverse("admin:facilities_emergencyresource_add"))
    assert add.status_code == 403  # the CSV is their source

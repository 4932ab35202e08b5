"""Imports as uploads (issue 12 §2), on PostGIS: a file posted on the Imports page is stored in
the database and imported by the worker's service (``opendata.uploads.upload_run``, what the
Celery task calls) with the command's importer; a planner uploads only their region's kinds,
and a file with a row outside the region is refused naming the rows, nothing written; the
report lands on the upload's page and the Imports page; a second upload creates nothing. The
worker process itself: ``test_import_uploads_worker``; the browser: ``…_browser``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from access.services import membership_grant
from facilities.emergency import EmergencyResource
from facilities.models import Authorisation, Facility
from facilities.practitioners import PracticeSite, Practitioner
from opendata import uploads
from opendata.forms import uploadable_kinds
from opendata.models import ImportRecord, ImportUpload
from territories import importers as territory_importers
from territories.models import Region, Zoning
from tests import annuaire_lines
from tests.factories import make_commune, make_commune_grid, make_department, make_region
from tests.personas import make_user

pytestmark = pytest.mark.django_db

HEADER = "finess_et;activity;modality;start_date;end_date"
START = reverse("opendata:upload_start")


@pytest.fixture
def places():
    """Région 84 (Rhône, three communes, a hospital in 69001) and région 93 (the Nice commune
    06088 and a hospital in it); a planner and a director of 84, an administrator."""
    aura = make_region("84", "Auvergne-Rhône-Alpes")
    paca = make_region("93", "Provence-Alpes-Côte d'Azur")
    communes = make_commune_grid(3, 1, department=make_department("69", "Rhône", region=aura))
    nice = make_commune(
        "06088", col=8, department=make_department("06", "Alpes-Maritimes", region=paca)
    )
    for number, commune in (("690000011", communes[0]), ("060000011", nice)):
        Facility.objects.create(
            finess_et=number, name=f"CH {number}", source="manual", commune=commune,
            point=Point(*commune.point.coords, srid=4326),
        )  # fmt: skip
    planner, director = make_user("planner"), make_user("director")
    membership_grant(user=planner, region=aura, role="planner")
    membership_grant(user=director, region=aura, role="director")
    admin = make_user("chef", is_superuser=True)
    return {"aura": aura, "paca": paca, "communes": communes, "nice": nice,
            "planner": planner, "director": director, "admin": admin}  # fmt: skip


def csv_file(*lines: str, name: str = "autorisations.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, ("\n".join(lines) + "\n").encode(), "text/csv")


def post(client, user, kind: str, file, **fields):
    client.force_login(user)
    return client.post(START, {"kind": kind, "file": file, **fields})


def run(response) -> ImportUpload:
    """Import the upload a POST created, as the worker does (the task calls this service)."""
    assert response.status_code == 302, response.content.decode()[:2000]
    upload_id = response["Location"].rstrip("/").split("/")[-1]
    uploads.upload_run(upload_id)
    return ImportUpload.objects.select_related("record").get(pk=upload_id)


def rows_in_84(count: int = 2) -> list[str]:
    return [
        f"690000011;urgences;{m};2020-01-0{i + 1};" for i, m in enumerate(["su", "smur"][:count])
    ]


def test_a_planner_uploads_an_authorisations_file_and_reads_its_report(client, places):
    aura = places["aura"]
    response = post(client, places["planner"], "authorisations", csv_file(HEADER, *rows_in_84()),
                    region=aura.pk)  # fmt: skip

    upload = run(response)

    assert (upload.status, upload.progress, upload.error) == ("done", 100, "")
    assert upload.content is None and upload.region == aura and upload.size > 0
    record = upload.record
    assert (record.kind, record.file_name, record.user) == (
        "authorisations", "autorisations.csv", places["planner"]
    )  # fmt: skip
    assert (record.created, record.updated, record.unchanged) == (2, 0, 0)
    assert record.sha256 == upload.sha256 and record.rows_by_department == {"69": 2}
    assert Authorisation.objects.filter(facility__finess_et="690000011").count() == 2
    page = client.get(reverse("opendata:upload_detail", args=[upload.pk])).content.decode()
    assert "Rapport de l’import" in page and 'class="count upload-created">2<' in page
    listed = client.get(reverse("opendata:import_list")).content.decode()
    assert f'data-import="{record.pk}"' in listed  # the planner sees it on the Imports page
    assert reverse("opendata:upload_detail", args=[upload.pk]) in listed


def test_a_second_upload_of_the_same_file_creates_nothing(client, places):
    lines = (HEADER, *rows_in_84())
    first = run(post(client, places["planner"], "authorisations", csv_file(*lines),
                     region=places["aura"].pk))  # fmt: skip
    again = run(post(client, places["planner"], "authorisations", csv_file(*lines),
                     region=places["aura"].pk))  # fmt: skip

    assert again.status == "done" and again.sha256 == first.sha256
    assert (again.record.created, again.record.updated, again.record.unchanged) == (0, 0, 2)
    assert again.record.previous == first.record
    assert Authorisation.objects.count() == 2


def test_a_file_with_rows_outside_the_planners_region_is_refused_naming_them(client, places):
    lines = [HEADER, *rows_in_84(2)]  # lines 2 and 3
    lines.append("060000011;urgences;su;2020-01-01;")  # line 4
    lines += [f"690000011;medecine;;2019-01-0{day};" for day in (1, 2, 3, 4)]  # lines 5 to 8
    lines.append("060000011;urgences;smur;2020-01-01;")  # line 9
    before = ImportRecord.objects.count()

    upload = run(post(client, places["planner"], "authorisations", csv_file(*lines),
                      region=places["aura"].pk))  # fmt: skip

    assert upload.status == "failed" and upload.record is None and upload.content is None
    assert "lignes 4, 9 : commune 06088 hors de la région Auvergne-Rhône-Alpes" in upload.error
    assert upload.error.startswith("2 lignes hors de la région Auvergne-Rhône-Alpes")
    assert upload.outside == [{
        "place": "commune 06088", "lines": [4, 9], "count": 2,
        "text": "lignes 4, 9 : commune 06088 hors de la région Auvergne-Rhône-Alpes",
    }]  # fmt: skip
    assert Authorisation.objects.count() == 0 and ImportRecord.objects.count() == before
    page = client.get(reverse("opendata:upload_detail", args=[upload.pk])).content.decode()
    assert "a été importé." in page and "lignes 4, 9 : commune 06088" in page


def test_an_administrator_is_not_held_to_a_region(client, places):
    lines = (HEADER, "060000011;urgences;su;2020-01-01;", *rows_in_84(1))

    upload = run(post(client, places["admin"], "authorisations", csv_file(*lines)))

    assert upload.status == "done" and upload.region is None
    assert upload.record.rows_by_department == {"06": 1, "69": 1}


def test_a_bad_line_fails_the_upload_with_the_line_and_writes_nothing(client, places):
    lines = (HEADER, *rows_in_84(1), "690000011;urgences;nope;2020-01-01;")

    upload = run(post(client, places["planner"], "authorisations", csv_file(*lines),
                      region=places["aura"].pk))  # fmt: skip

    assert upload.status == "failed" and upload.error_where == "line 3"
    assert "unknown modality 'nope'" in upload.error
    assert upload.record.status == "failed" and upload.record.error_where == "line 3"
    assert Authorisation.objects.count() == 0


def test_a_planner_is_offered_only_the_region_scoped_kinds(client, places):
    assert uploadable_kinds(places["planner"]) == [
        "zoning",
        "authorisations",
        "annuaire-sante",
        "mcs",
    ]
    assert "communes" in uploadable_kinds(places["admin"])
    assert uploadable_kinds(places["director"]) == []
    client.force_login(places["planner"])
    page = client.get(reverse("opendata:import_list")).content.decode()
    assert 'id="upload-form"' in page and 'value="authorisations"' in page
    assert 'value="finess-ej"' not in page.split('id="upload-form"')[1].split("</form>")[0]

    refused = post(
        client, places["planner"], "communes", csv_file("code"), region=places["aura"].pk
    )
    other = post(client, places["planner"], "authorisations", csv_file(HEADER, *rows_in_84()),
                 region=places["paca"].pk)  # fmt: skip

    assert refused.status_code == 403 and other.status_code == 403
    assert ImportUpload.objects.count() == 0


def test_a_director_sees_no_form_and_may_not_post(client, places):
    client.force_login(places["director"])
    page = client.get(reverse("opendata:import_list")).content.decode()
    assert 'id="upload-form"' not in page

    response = post(client, places["director"], "authorisations", csv_file(HEADER, *rows_in_84()))

    assert response.status_code == 403 and ImportUpload.objects.count() == 0


@override_settings(SROS_UPLOAD_MAX_BYTES=100)
def test_a_file_over_the_size_limit_is_refused_by_the_form(client, places):
    lines = (HEADER, *rows_in_84(2), *rows_in_84(2))

    response = post(client, places["planner"], "authorisations", csv_file(*lines),
                    region=places["aura"].pk)  # fmt: skip

    assert response.status_code == 400
    assert "Fichier trop volumineux" in response.content.decode()
    assert ImportUpload.objects.count() == 0


def test_only_the_uploader_and_administrators_follow_an_upload(client, places):
    upload = run(post(client, places["planner"], "authorisations", csv_file(HEADER, *rows_in_84()),
                      region=places["aura"].pk))  # fmt: skip
    progress = reverse("opendata:upload_progress", args=[upload.pk])

    assert client.get(progress).json()["status"] == "done"
    client.force_login(places["director"])
    assert client.get(progress).status_code == 404
    client.force_login(places["admin"])
    state = client.get(progress).json()
    assert state["record_url"] == reverse("opendata:import_detail", args=[upload.record_id])


def test_a_planners_zoning_is_checked_and_made_in_their_region(client, places):
    codes = [c.code for c in places["communes"]]
    lines = ["code_commune;code_zone;libelle_zone"] + [
        f"{c};Z{i % 2};Zone {i % 2}" for i, c in enumerate(codes)
    ]
    upload = run(post(client, places["planner"], "zoning", csv_file(*lines, name="zones.csv"),
                      region=places["aura"].pk, zoning_name="Zones du schéma",
                      zoning_kind="schema"))  # fmt: skip

    assert upload.status == "done", upload.error
    zoning = Zoning.objects.get(name="Zones du schéma")
    assert zoning.region == places["aura"] and zoning.zones.count() == 2

    outside = run(post(client, places["planner"], "zoning",
                       csv_file(*lines, "06088;Z9;Nice", name="zones.csv"),
                       region=places["aura"].pk, zoning_name="Zones bis",
                       zoning_kind="schema"))  # fmt: skip
    assert outside.status == "failed"
    assert "ligne 5 : commune 06088 hors de la région Auvergne-Rhône-Alpes" in outside.error
    assert not Zoning.objects.filter(name="Zones bis").exists()


def test_a_planners_annuaire_extraction_is_checked_by_site_commune_or_postcode(client, places):
    """An Annuaire Santé site is placed by its commune, else by its département from the file
    or its postcode (scope._annuaire_rows); a site abroad is skipped, as the importer skips it."""
    in_84 = places["communes"][0].code
    people = [
        annuaire_lines.line(id="10000000001", structure="R1", commune=in_84, postcode="69001"),
        annuaire_lines.line(id="10000000002", structure="R2", commune="06088", postcode="06000"),
        annuaire_lines.line(id="10000000003", structure="R3", commune="", postcode="75001"),
        annuaire_lines.line(id="10000000004", structure="R4", commune="", postcode="",
                            country="99132"),
    ]  # fmt: skip

    def upload(*lines):
        file = SimpleUploadedFile(annuaire_lines.FILE_NAME, annuaire_lines.extraction(*lines))
        return run(post(client, places["planner"], "annuaire-sante", file,
                        region=places["aura"].pk))  # fmt: skip

    refused = upload(*people)
    assert refused.status == "failed"
    assert "2 lignes hors de la région Auvergne-Rhône-Alpes" in refused.error
    assert "ligne 3 : commune 06088 hors de la région Auvergne-Rhône-Alpes" in refused.error
    assert "ligne 4 : département 75 hors de la région Auvergne-Rhône-Alpes" in refused.error
    assert "ligne 5" not in refused.error  # abroad: not the region's to refuse
    assert PracticeSite.objects.count() == 0 and Practitioner.objects.count() == 0

    done = upload(people[0], people[3])
    assert done.status == "done", done.error
    assert list(PracticeSite.objects.values_list("commune__code", flat=True)) == [in_84]


def test_an_mcs_point_in_no_region_commune_is_outside(client, places):
    lines = ["id;nom;commune;lon;lat;samu;date_debut;date_fin",
             f"M1;Dr A;{places['communes'][0].code};;;69;;",
             "M2;Dr B;;2.35;48.85;75;;"]  # fmt: skip

    upload = run(post(client, places["planner"], "mcs", csv_file(*lines, name="mcs.csv"),
                      region=places["aura"].pk))  # fmt: skip

    assert upload.status == "failed"
    assert "ligne 3 : le point 2.35, 48.85 (dans aucune commune chargée)" in upload.error
    assert EmergencyResource.objects.count() == 0


def test_a_duplicate_delivery_imports_nothing_twice(client, places):
    response = post(client, places["planner"], "authorisations", csv_file(HEADER, *rows_in_84()),
                    region=places["aura"].pk)  # fmt: skip
    upload = run(response)

    again = uploads.upload_run(upload.pk)

    assert again.status == "done" and again.record_id == upload.record_id
    assert ImportRecord.objects.filter(kind="authorisations").count() == 1


# --- the reaper -----------------------------------------------------------------------------

LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def held(user, **fields) -> ImportUpload:
    fields = {"status": "running", "heartbeat_at": LONG_AGO, **fields}
    return ImportUpload.objects.create(
        user=user, kind="authorisations", file_name="a.csv", size=3, sha256="0" * 64,
        content=b"abc", **fields,
    )  # fmt: skip


def test_an_upload_whose_worker_died_is_re_enqueued_once_then_failed(
    places, django_capture_on_commit_callbacks
):
    dead = held(places["admin"])
    beating = held(places["admin"], heartbeat_at=timezone.now())

    with django_capture_on_commit_callbacks() as callbacks:
        assert uploads.uploads_reap() == {"requeued": 1, "failed": 0}
    assert len(callbacks) == 1  # the re-enqueue, once committed
    dead.refresh_from_db()
    assert (dead.status, dead.attempt, dead.heartbeat_at) == ("queued", 2, None)
    assert ImportUpload.objects.get(pk=beating.pk).status == "running"

    ImportUpload.objects.filter(pk=dead.pk).update(status="running", heartbeat_at=LONG_AGO)
    assert uploads.uploads_reap() == {"requeued": 0, "failed": 1}
    dead.refresh_from_db()
    assert dead.status == "failed" and "ne répond plus" in dead.error and dead.content is None


def test_an_upload_no_worker_took_is_failed_once_expired(places):
    waiting = held(places["admin"], status="queued", heartbeat_at=None)
    ImportUpload.objects.filter(pk=waiting.pk).update(created_at=LONG_AGO)

    assert uploads.uploads_reap() == {"requeued": 0, "failed": 1}
    assert ImportUpload.objects.get(pk=waiting.pk).status == "failed"


# --- the real files -------------------------------------------------------------------------


@pytest.mark.open_data
def test_real_files_an_administrator_uploads_hospitals_a_planner_is_refused_outside(
    client, open_data, places
):
    """The real régions, départements, Alpes-Maritimes communes (IGN 2018) and GISCO hospitals
    of the Alpes-Maritimes: the administrator's upload imports them like the command, a second
    time creates nothing; the AURA planner's authorisations of a Nice hospital are refused."""
    Facility.objects.all().delete()
    territory_importers.import_regions(open_data / "population" / "regions-cog2026.json")
    territory_importers.import_departments(open_data / "population" / "departements-cog2026.json")
    territory_importers.import_communes(
        open_data / "geo" / "communes-2018" / "communes-06-alpes-maritimes.geojson"
    )
    hospitals = open_data / "facilities" / "eurostat-gisco-hospitals-06-2020.csv"

    def upload_hospitals():
        file = SimpleUploadedFile(hospitals.name, hospitals.read_bytes(), "text/csv")
        return run(post(client, places["admin"], "gisco-hospitals", file))

    first = upload_hospitals()
    assert first.status == "done", first.error
    assert first.record.created == Facility.objects.count() >= 70
    assert first.record.created + first.record.rejected == 80  # the file's 80 hospitals
    again = upload_hospitals()
    assert (again.record.created, again.record.updated) == (0, 0)

    nice = Facility.objects.get(finess_et="060000163")  # CH de Saint-Étienne-de-Tinée
    aura = Region.objects.get(code="84")
    membership_grant(user=places["planner"], region=aura, role="planner")
    line = "060000163;urgences;su;2020-01-01;"
    refused = run(post(client, places["planner"], "authorisations", csv_file(HEADER, line),
                       region=aura.pk))  # fmt: skip
    assert refused.status == "failed"
    assert (
        f"ligne 2 : commune {nice.commune.code} hors de la région Auvergne-Rhône-Alpes"
        in refused.error
    )
    assert not Authorisation.objects.filter(facility=nice).exists()

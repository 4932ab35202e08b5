"""Fixtures of the dashboard tests on the real Auvergne-Rhône-Alpes files: AURA imported and
computed once per module, and a superuser's client. Load with
``pytest_plugins = ["tests.aura_fixtures"]``."""

import pytest

from indicators import services
from indicators.models import IndicatorRun
from opendata.layout import AURA_FILES
from opendata.registry import importer_for
from territories.models import Commune, Department, MunicipalDistrict, Region


@pytest.fixture(scope="module")
def aura_run(open_data, django_db_setup, django_db_blocker):
    """AURA imported and computed once for the module (committed, removed afterwards)."""
    with django_db_blocker.unblock():
        try:
            for kind, name in AURA_FILES:
                importer_for(kind)(open_data / name)
            run = services.run_create(region=Region.objects.get(code="84"), enqueue=False)
            run = services.run_compute(run.pk)
            assert run.status == IndicatorRun.Status.DONE, run.error
            yield run
        finally:
            from facilities.models import Facility

            IndicatorRun.objects.all().delete()
            Facility.objects.all().delete()
            MunicipalDistrict.objects.all().delete()
            Commune.objects.all().delete()
            Department.objects.all().delete()
            Region.objects.all().delete()


@pytest.fixture
def admin(client, db, django_user_model):
    user = django_user_model.objects.create_superuser("chef", "chef@example.org", "pw-chef-123")
    client.force_login(user)
    return client

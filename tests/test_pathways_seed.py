import pytest

from pathways.models import Level, Pathway
from pathways.selectors import level_access_target

pytestmark = pytest.mark.django_db


def test_it_seeds_the_three_priority_pathways():
    assert set(Pathway.objects.values_list("code", flat=True)) >= {
        "urgences",
        "perinatalite",
        "sante-mentale",
    }


def test_it_sets_usual_access_targets():
    emergency = Level.objects.get(pathway__code="urgences", rank=1)
    maternity = Level.objects.get(pathway__code="perinatalite", rank=1)
    assert level_access_target(emergency) == 30
    assert level_access_target(maternity) == 45

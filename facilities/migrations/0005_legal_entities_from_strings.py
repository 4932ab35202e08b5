"""Legal entities, step 2 of 3: one stub ``LegalEntity`` per distinct FINESS EJ number that
facilities held as a string (named by its number, ``is_stub``: the ``finess-ej`` import fills
it in), each facility linked to it; the groups' members and support become the legal entities
of their facilities (a GHT or a GCS is a group of legal entities, articles L6132-1 and L6133-1
of the Code de la santé publique).

A string that is not a FINESS number even once trimmed and upper-cased is left behind (the
facility keeps no legal entity), as is a group member whose facility had no EJ number.
"""

import re

from django.db import migrations
from django.db.models import F

FINESS_NUMBER = re.compile(r"^[0-9][0-9A-Z][0-9]{7}$")


def _fire_deferred_checks(schema_editor) -> None:
    # PostgreSQL refuses to ALTER a table with deferred foreign-key checks pending ("pending
    # trigger events"): when these migrations run in one transaction (a test), check now.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def legal_entities_from_strings(apps, schema_editor) -> dict[str, int]:
    """Create the stubs and the links; return what was done, for the tests."""
    LegalEntity = apps.get_model("facilities", "LegalEntity")
    Facility = apps.get_model("facilities", "Facility")
    FacilityGroup = apps.get_model("facilities", "FacilityGroup")

    raw_numbers = set(Facility.objects.exclude(finess_ej="").values_list("finess_ej", flat=True))
    number_of = {raw: raw.strip().upper() for raw in raw_numbers}
    number_of = {raw: number for raw, number in number_of.items() if FINESS_NUMBER.match(number)}
    numbers = set(number_of.values())
    known = set(
        LegalEntity.objects.filter(finess_ej__in=numbers).values_list("finess_ej", flat=True)
    )
    LegalEntity.objects.bulk_create(
        [LegalEntity(finess_ej=n, name=n, is_stub=True) for n in sorted(numbers - known)],
        batch_size=2000,
    )
    as_is = [raw for raw, number in number_of.items() if raw == number]
    linked = 0
    for start in range(0, len(as_is), 2000):
        linked += Facility.objects.filter(finess_ej__in=as_is[start : start + 2000]).update(
            legal_entity_id=F("finess_ej")
        )
    for raw, number in number_of.items():
        if raw != number:
            linked += Facility.objects.filter(finess_ej=raw).update(legal_entity_id=number)

    pk_of = dict(
        LegalEntity.objects.filter(finess_ej__in=numbers).values_list("finess_ej", "pk")
    )
    members_lost = 0
    for group in FacilityGroup.objects.select_related("support").prefetch_related("members"):
        support = number_of.get(group.support.finess_ej) if group.support else None
        group.support_entity_id = pk_of.get(support)
        group.save(update_fields=["support_entity"])
        members = [number_of.get(member.finess_ej) for member in group.members.all()]
        members_lost += members.count(None)
        group.member_entities.set({pk_of[number] for number in members if number})
    _fire_deferred_checks(schema_editor)
    return {
        "stubs": len(numbers - known),
        "linked": linked,
        "left_behind": len(raw_numbers) - len(number_of),
        "members_lost": members_lost,
    }


def strings_from_legal_entities(apps, schema_editor) -> None:
    """Back to strings; a group's support and members become the facilities of their legal
    entities (the support: the one with the lowest FINESS ET)."""
    Facility = apps.get_model("facilities", "Facility")
    FacilityGroup = apps.get_model("facilities", "FacilityGroup")
    Facility.objects.exclude(legal_entity=None).update(finess_ej=F("legal_entity_id"))
    for group in FacilityGroup.objects.all():
        entity = group.support_entity
        group.support = (
            Facility.objects.filter(legal_entity_id=entity.finess_ej).order_by("finess_et").first()
            if entity
            else None
        )
        group.save(update_fields=["support"])
        group.members.set(Facility.objects.filter(legal_entity__in=group.member_entities.all()))
    _fire_deferred_checks(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("facilities", "0004_legalentity")]

    operations = [migrations.RunPython(legal_entities_from_strings, strings_from_legal_entities)]

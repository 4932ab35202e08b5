"""What ``load_demo --from DIR`` adds to the real regions it loaded: a planner and a director
account in each, and, for a region without a schema, a draft schema version whose zoning has
one zone per loaded département.

Everything goes through ``access.services``, ``territories.services``, ``sros.services`` and
``sros.workflow``, as for the fictitious region (``demo.schema``), with the same password. A
second run finds the accounts, roles and schemas in place and changes nothing (passwords
included); a region that already has a schema (made by a user, or by an earlier run) is left
as it is.
"""

from __future__ import annotations

from .schema import DEMO_PASSWORD
from .territories import REGION_CODE as FICTITIOUS_REGION_CODE

#: username prefix → role; the account of region 84 is ``planificateur-84``…
ACCOUNTS = {"planificateur": "planner", "directeur": "director"}
ZONING_NAME = "Départements (zonage de démonstration)"
DRAFT_LABEL = "Projet de schéma (démonstration)"


def loaded_real_regions():
    """The regions with communes loaded, the fictitious demo region left out, by code."""
    from territories.models import Region

    return (
        Region.objects.filter(departments__communes__isnull=False)
        .exclude(code=FICTITIOUS_REGION_CODE)
        .distinct()
        .defer("geometry")
        .order_by("code")
    )


def username(prefix: str, region) -> str:
    return f"{prefix}-{region.code}"


def region_accounts(region) -> dict[str, object]:
    """The planner and director of ``region`` (role → user), created when missing."""
    from django.contrib.auth import get_user_model

    from access.services import membership_grant

    users = {}
    for prefix, role in ACCOUNTS.items():
        user, created = get_user_model().objects.get_or_create(username=username(prefix, region))
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if not user.region_memberships.filter(region=region, role=role).exists():
            membership_grant(user=user, region=region, role=role)
        users[role] = user
    return users


def department_zoning(region):
    """The zoning of one zone per département of ``region`` with communes loaded (each
    département's code and name; its communes as members), created once."""
    from territories.models import Commune, Zoning
    from territories.selectors import loaded_departments
    from territories.services import zoning_create

    zoning = Zoning.objects.filter(region=region, name=ZONING_NAME).first()
    if zoning is not None:
        return zoning
    zones = {}
    for department in loaded_departments(region).order_by("code"):
        codes = Commune.objects.filter(department=department).values_list("code", flat=True)
        zones[department.code] = (department.name, list(codes))
    return zoning_create(
        region=region,
        name=ZONING_NAME,
        kind="schema",
        zones=zones,
        description="Une zone par département chargé, pour la démonstration.",
    )


def draft_schema(region, planner):
    """A schema with one draft version zoned by département, for a region that has none;
    None when the region already has a schema."""
    from sros import services, workflow
    from sros.models import Schema

    if Schema.objects.filter(region=region).exists():
        return None
    zoning = department_zoning(region)
    schema = services.schema_create(region=region)
    draft = workflow.version_new_draft(schema, user=planner, label=DRAFT_LABEL)
    services.version_set_zoning(version=draft, zoning=zoning, user=planner)
    return schema


def set_up_real_regions() -> list[str]:
    """Accounts in every loaded real region and a draft schema where there is none; the
    lines to print (what exists, and the logins)."""
    from django.db import transaction

    from sros.models import Schema
    from territories.selectors import region_label

    lines, logins = [], []
    for region in loaded_real_regions():
        with transaction.atomic():
            users = region_accounts(region)
            draft_schema(region, users["planner"])
        schema = Schema.objects.get(region=region)
        lines.append(
            f"{region_label(region)}: {schema.name}, {schema.versions.count()} version(s), "
            f"{schema.versions.filter(state='draft').count()} draft(s)"
        )
        logins += [
            f"demo login: {username(prefix, region)} / {DEMO_PASSWORD} ({role}, {region.name})"
            for prefix, role in ACCOUNTS.items()
        ]
    return lines + logins

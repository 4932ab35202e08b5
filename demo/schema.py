"""The demo's regional schema, written once the files and groupings are loaded: an adopted
version and a draft copied from it, three volets, OQOS per zone, a pilot project, a what-if
scenario on the draft (a maternity closes, a health centre opens) and the demo's accounts
with their roles in the fictitious region.

Everything goes through ``sros.services`` and ``sros.workflow``, as a planner's clicks would.
The bounds of the objectives are chosen against the demo's authorisations so that the
compliance table shows zones below, within and above their objectives. A second run finds
the schema and the accounts in place and changes nothing (passwords included).
"""

from __future__ import annotations

import datetime as dt

from .groupings import ZONING_NAME
from .territories import REGION_CODE

DEMO_PASSWORD = "demo-sros"
#: username → role in the fictitious region
ACCOUNTS = {
    "planificateur": "planner",
    "directeur": "director",
    "analyste": "analyst",
}

VOLETS = [
    (
        "sante-mentale",
        "Santé mentale",
        ["psychiatrie"],
        "*Texte fictif, écrit pour la démonstration.*\n\n"
        "Le volet vise une **psychiatrie adulte de proximité** dans chaque zone :\n\n"
        "- un centre médico-psychologique à moins de 45 minutes ;\n"
        "- une permanence des soins partagée entre les établissements du GHT fictif.",
    ),
    (
        "perinatalite",
        "Périnatalité",
        ["obstetrique"],
        "*Texte fictif, écrit pour la démonstration.*\n\n"
        "Chaque zone doit disposer d'une **maternité de type 1** ou d'un centre périnatal de "
        "proximité ; les naissances à risque sont orientées vers la maternité de type 3.",
    ),
    (
        "urgences",
        "Urgences",
        ["urgences"],
        "*Texte fictif, écrit pour la démonstration.*\n\n"
        "Objectif : tout habitant à **moins de 30 minutes** d'une structure des urgences ou "
        "d'un SMUR. Les zones du Sud, sans service, font l'objet d'un projet pilote.",
    ),
]

#: activity code → (modality, {zone code: (minimum, maximum)}). Demo implantations per zone
#: (Z1…Z6): urgences SU 3 3 1 0 1 0; maternités (unité d'obstétrique, every type);
#: psychiatrie adulte
#: 2 2 0 0 0 0 — hence a mix of conforme / en dessous / au-dessus.
OBJECTIVES = {
    "urgences": (
        "su",
        {"Z1": (2, 3), "Z2": (1, 2), "Z3": (1, 2), "Z4": (1, 1), "Z5": (1, 2), "Z6": (0, 1)},
    ),
    "obstetrique": (
        "obstetrique",
        {"Z1": (1, 2), "Z2": (1, 1), "Z3": (1, 1), "Z4": (1, 1), "Z5": (0, 1), "Z6": (0, 1)},
    ),
    "psychiatrie": (
        "adultes",
        {"Z1": (1, 2), "Z2": (1, 1), "Z3": (1, 1), "Z4": (0, 1), "Z5": (1, 1), "Z6": (0, 1)},
    ),
}

PILOT_ZONE = "Z4"
MILESTONES = [
    ("Diagnostic partagé avec les élus (fictif)", dt.date(2025, 3, 31), "done"),
    ("Ouverture d'une antenne SMUR (fictive)", dt.date(2025, 11, 1), "in_progress"),
    ("Bilan à un an", dt.date(2026, 12, 31), "planned"),
]


def _accounts(region) -> dict[str, object]:
    from django.contrib.auth import get_user_model

    from access.services import membership_grant

    users = {}
    for username, role in ACCOUNTS.items():
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if not user.region_memberships.filter(region=region, role=role).exists():
            membership_grant(user=user, region=region, role=role)
        users[role] = user
    return users


def _adopted_version(schema, planner, zoning):
    from sros import services, workflow
    from sros.models import AuthorisedActivity, VoletTheme

    version = workflow.version_new_draft(schema, user=planner, label="Schéma 2023-2028 (fictif)")
    services.version_set_zoning(version=version, zoning=zoning, user=planner)
    activities = {a.code: a for a in AuthorisedActivity.objects.filter(code__in=OBJECTIVES)}
    for activity in activities.values():
        services.version_set_zoning(version=version, zoning=zoning, activity=activity, user=planner)
    themes = {t.code: t for t in VoletTheme.objects.select_related("pathway")}
    for order, (code, title, activity_codes, narrative) in enumerate(VOLETS):
        services.volet_create(
            version=version,
            title=title,
            narrative=narrative,
            theme=themes.get(code),
            pathway=themes[code].pathway if code in themes else None,
            activities=[activities[c] for c in activity_codes],
            order=order,
            user=planner,
        )
    zones = {z.code: z for z in zoning.zones.all()}
    for code, (modality, bounds) in OBJECTIVES.items():
        for zone_code, (minimum, maximum) in bounds.items():
            services.objective_create(
                version=version,
                user=planner,
                zone=zones[zone_code],
                activity=activities[code],
                modality=modality,
                minimum=minimum,
                maximum=maximum,
                justification="Objectif fictif de démonstration.",
            )
    workflow.version_transition(version, "submit", user=planner)
    workflow.version_transition(version, "adopt", user=planner, comment="Arrêté fictif")
    return version


def _pilot_project(schema, planner, zoning):
    from sros import services
    from sros.models import VoletTheme

    project = services.pilot_project_create(
        schema=schema,
        title="Urgences de proximité dans le Sud-Ouest (fictif)",
        description="Projet fictif : une antenne SMUR et la télé-régulation pour une zone "
        "sans structure des urgences.",
        theme=VoletTheme.objects.get(code="urgences"),
        zone=zoning.zones.get(code=PILOT_ZONE),
        start_date=dt.date(2025, 1, 1),
        end_date=dt.date(2027, 12, 31),
        user=planner,
    )
    for title, due, status in MILESTONES:
        services.milestone_add(project=project, title=title, due_date=due, status=status)
    return project


def _scenario(draft, planner):
    """A what-if on the draft: the first public hospital with a type 1 maternity (by FINESS
    number) loses it, and a health centre (MSP) opens on its site."""
    from facilities.models import Facility
    from facilities.selectors import maternity_type_q
    from sros import scenarios

    from .facilities import _of

    hospital = (
        Facility.objects.filter(
            maternity_type_q("1"),
            kind=Facility.Kind.CH,
            status=Facility.Status.OPEN,
            commune__department__region=draft.schema.region,
        )
        .select_related("commune")
        .order_by("finess_et")
        .first()
    )
    if hospital is None:
        return None
    town = _of(hospital.commune.name)
    return scenarios.scenario_create(
        version=draft,
        name=f"Fermeture de la maternité {town} (fictif)",
        description="Scénario fictif : la maternité de type 1 du centre hospitalier ferme ; "
        "une maison de santé pluriprofessionnelle ouvre sur le site.",
        changes=[
            {
                "kind": "withdraw",
                "finess": hospital.finess_et,
                "activity": "obstetrique",
                "modality": "obstetrique",
            },
            {
                "kind": "open",
                "label": f"Maison de santé {town} (fictive)",
                "facility_kind": Facility.Kind.MSP,
                "lon": hospital.point.x,
                "lat": hospital.point.y,
            },
        ],
        user=planner,
    )


def ensure_catalogue() -> None:
    """Re-seed the catalogue of activities and volet themes if it was emptied since the
    migrations (``manage.py flush`` keeps tables, not data migrations' rows)."""
    import importlib

    from django.apps import apps

    from sros.models import AuthorisedActivity, VoletTheme

    codes = [code for code, *_rest in VOLETS]
    if AuthorisedActivity.objects.filter(code__in=OBJECTIVES).count() == len(OBJECTIVES) and (
        VoletTheme.objects.filter(code__in=codes).count() == len(codes)
    ):
        return
    _seed_catalogue()
    importlib.import_module("pathways.migrations.0002_seed_pathways").seed(apps, None)
    maternity = importlib.import_module("pathways.migrations.0004_requirement_maternity_type")
    maternity.types_to_maternity_type(apps, None)
    importlib.import_module("pathways.migrations.0005_retire_invented_levels").retire(apps, None)
    weights = importlib.import_module(
        "pathways.migrations.0006_level_weight_second_target_and_source"
    )
    weights.weight_perinatal_levels(apps, None)
    _seed_themes()


def _seed_catalogue() -> None:
    """The catalogue as the migrations seed it (sros 0002, facilities 0008 and 0011), written
    with today's models: the historical seeds name fields the catalogue no longer has."""
    import importlib

    from django.apps import apps

    from facilities.models import AuthorisedActivity, Modality

    first = importlib.import_module("sros.migrations.0002_seed_catalogue")
    codes = importlib.import_module("facilities.migrations.0008_catalogue_codes")
    rows = [
        (code, label, "activity", first.R6122_25, first.REFORM, bool(registry), proxy)
        for code, label, registry, proxy in first.ACTIVITIES
    ] + [
        (code, label, "equipment", first.R6122_26, None, False, [])
        for code, label in first.EQUIPMENT
    ]
    for order, (old, label, kind, reference, valid_from, counted, proxy) in enumerate(rows, 1):
        code = codes.RENAMED.get(old, old)
        AuthorisedActivity.objects.update_or_create(
            code=code,
            defaults={
                "label": label,
                "kind": kind,
                "legal_reference": reference,
                "valid_from": valid_from,
                "counted_by_registry": counted,
                "modality_required": code in codes.MODALITY_REQUIRED,
                "proxy_kinds": proxy,
                "order": order,
            },
        )
    activities = AuthorisedActivity.objects.in_bulk(field_name="code")
    for activity, modalities in codes.MODALITIES.items():
        for order, (code, label) in enumerate(modalities, start=1):
            Modality.objects.update_or_create(
                activity=activities[activity], code=code, defaults={"label": label, "order": order}
            )
    for later in (
        "0011_catalogue_2023_texts",
        "0012_equipment_counted_by_site",
        "0013_perinatal_units",
    ):
        importlib.import_module(f"facilities.migrations.{later}").forward(apps, None)


def _seed_themes() -> None:
    import importlib

    from django.contrib.auth.models import Group

    from facilities.models import AuthorisedActivity
    from pathways.models import Pathway
    from sros.models import VoletTheme

    first = importlib.import_module("sros.migrations.0002_seed_catalogue")
    renamed = importlib.import_module("facilities.migrations.0008_catalogue_codes").RENAMED
    for order, (code, title, phase, pathway_code, activity_codes) in enumerate(first.THEMES, 1):
        theme, _created = VoletTheme.objects.update_or_create(
            code=code,
            defaults={
                "title": title,
                "phase": phase,
                "order": order,
                "pathway": Pathway.objects.filter(code=pathway_code).first(),
            },
        )
        theme.activities.set(
            AuthorisedActivity.objects.filter(code__in=[renamed.get(c, c) for c in activity_codes])
        )
    for name in first.GROUPS:
        Group.objects.get_or_create(name=name)


def create_demo_schema() -> list[str]:
    """The demo schema of region 99 and the demo accounts; nothing is changed when present."""
    from django.db import transaction

    from sros import services, workflow
    from sros.models import Scenario
    from territories.models import Region, Zoning

    region = Region.objects.get(code=REGION_CODE)
    zoning = Zoning.objects.get(region=region, name=ZONING_NAME)
    with transaction.atomic():
        ensure_catalogue()
        users = _accounts(region)
        planner = users["planner"]
        schema = services.schema_create(region=region, name="Schéma régional de santé (fictif)")
        if not schema.versions.exists():
            _adopted_version(schema, planner, zoning)
            workflow.version_new_draft(schema, user=planner, label="Révision 2026 (fictive)")
        if not schema.pilot_projects.exists():
            _pilot_project(schema, planner, zoning)
        draft = schema.versions.filter(state="draft").order_by("-number").first()
        if draft is not None and not draft.scenarios.exists():
            _scenario(draft, planner)
    lines = [
        f"{schema.name}: {schema.versions.count()} versions, "
        f"{schema.pilot_projects.count()} pilot project(s), "
        f"{Scenario.objects.filter(version__schema=schema).count()} scenario(s)"
    ]
    lines += [
        f"demo login: {username} / {DEMO_PASSWORD} ({role})" for username, role in ACCOUNTS.items()
    ]
    return lines

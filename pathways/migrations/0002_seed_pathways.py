"""Seed the three pathways the SROS pilot prioritised, with their gradation and access targets.

Targets are the usual planning thresholds (30 min to urgent care; 45 min to a maternity) and
are editable afterwards. A higher level's facilities also serve lower levels (a type 3
maternity delivers low-risk births too), so each level lists every modality that qualifies.
"""

from django.db import migrations

PATHWAYS = [
    {
        "code": "urgences",
        "name": "Urgences",
        "order": 1,
        "description": "Accès aux soins urgents : structures des urgences, SMUR, régulation SAMU.",
        "levels": [
            (1, "soins-urgents", "Soins urgents de proximité (SU ou SMUR)", [
                ("urgences", "su", "", 30),
                ("urgences", "smur", "", 30),
            ]),
            (2, "urgences-recours", "Urgences de recours (CHU)", [
                ("urgences", "su", "chu", 60),
            ]),
            (3, "regulation-samu", "Régulation médicale (SAMU)", [
                ("urgences", "samu", "", 90),
            ]),
        ],
    },
    {
        "code": "perinatalite",
        "name": "Périnatalité",
        "order": 2,
        "description": "Maternités graduées selon le niveau de soins néonatals (types 1, 2A, 2B, 3).",
        "levels": [
            (1, "maternite", "Maternité (tout type)", [
                ("obstetrique", "type_1", "", 45),
                ("obstetrique", "type_2a", "", 45),
                ("obstetrique", "type_2b", "", 45),
                ("obstetrique", "type_3", "", 45),
            ]),
            (2, "maternite-type-2", "Maternité de type 2 ou 3 (néonatologie)", [
                ("obstetrique", "type_2a", "", 60),
                ("obstetrique", "type_2b", "", 60),
                ("obstetrique", "type_3", "", 60),
            ]),
            (3, "maternite-type-3", "Maternité de type 3 (réanimation néonatale)", [
                ("obstetrique", "type_3", "", 90),
            ]),
        ],
    },
    {
        "code": "sante-mentale",
        "name": "Santé mentale",
        "order": 3,
        "description": "Psychiatrie de secteur : adultes, puis enfants et adolescents.",
        "levels": [
            (1, "psychiatrie-adultes", "Psychiatrie générale (adultes)", [
                ("psychiatrie", "adultes", "", 45),
                ("", "", "psychiatrie", 45),
            ]),
            (2, "psychiatrie-infanto-juvenile", "Psychiatrie infanto-juvénile", [
                ("psychiatrie", "infanto_juvenile", "", 60),
            ]),
        ],
    },
]


def seed(apps, schema_editor):
    Pathway = apps.get_model("pathways", "Pathway")
    Level = apps.get_model("pathways", "Level")
    LevelRequirement = apps.get_model("pathways", "LevelRequirement")
    for spec in PATHWAYS:
        pathway, _ = Pathway.objects.update_or_create(
            code=spec["code"],
            defaults={k: spec[k] for k in ("name", "order", "description")},
        )
        for rank, code, name, requirements in spec["levels"]:
            level, _ = Level.objects.update_or_create(
                pathway=pathway, rank=rank, defaults={"code": code, "name": name}
            )
            if level.requirements.exists():
                continue
            for activity, modality, kind, minutes in requirements:
                LevelRequirement.objects.create(
                    level=level,
                    activity=activity,
                    modality=modality,
                    facility_kind=kind,
                    access_target_minutes=minutes,
                )


def unseed(apps, schema_editor):
    Pathway = apps.get_model("pathways", "Pathway")
    Pathway.objects.filter(code__in=[p["code"] for p in PATHWAYS]).delete()


class Migration(migrations.Migration):
    dependencies = [("pathways", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]

"""Seed the catalogue: the 21 activities of article R6122-25 of the Code de la santé publique,
the heavy equipment of article R6122-26, the volet themes of the SROS pilot programme, and the
four role groups.

valid_from 2023-06-01 is the date the reformed list of activities came into force; an older or
newer list is added as rows with their own dates, never by editing these codes.
``facility_activity`` links to the codes the facility registry's authorisations use, so
compliance can count them; ``proxy_kinds`` are the facility kinds counted when the data carries
no authorisation (real GISCO hospitals): they are an approximation a planner may edit.
"""

import datetime as dt

from django.db import migrations

R6122_25 = "Code de la santé publique, art. R6122-25"
R6122_26 = "Code de la santé publique, art. R6122-26"
REFORM = dt.date(2023, 6, 1)
HOSPITALS = ["chu", "ch", "clinique"]

# (code, label, facility_activity, proxy_kinds)
ACTIVITIES = [
    ("medecine", "Médecine", "medecine", HOSPITALS),
    ("chirurgie", "Chirurgie", "chirurgie", []),
    (
        "obstetrique",
        "Gynécologie-obstétrique, néonatologie, réanimation néonatale",
        "obstetrique",
        [],
    ),
    ("psychiatrie", "Psychiatrie", "psychiatrie", ["psychiatrie"]),
    ("smr", "Soins médicaux et de réadaptation", "smr", ["ssr"]),
    ("sld", "Soins de longue durée", "sld", []),
    ("greffes", "Greffes d'organes et greffes de cellules hématopoïétiques", "", []),
    ("grands-brules", "Traitement des grands brûlés", "", []),
    ("chirurgie-cardiaque", "Chirurgie cardiaque", "chirurgie_cardiaque", []),
    ("neurochirurgie", "Neurochirurgie", "neurochirurgie", []),
    (
        "cardio-interventionnelle",
        "Activités interventionnelles sous imagerie médicale en cardiologie",
        "cardio_interv",
        [],
    ),
    (
        "neuroradiologie-interventionnelle",
        "Activités interventionnelles sous imagerie médicale en neuroradiologie",
        "",
        [],
    ),
    ("medecine-nucleaire", "Médecine nucléaire", "medecine_nucleaire", []),
    ("cancer", "Traitement du cancer", "cancer", []),
    (
        "genetique",
        "Examen des caractéristiques génétiques d'une personne ou identification d'une personne "
        "par empreintes génétiques à des fins médicales",
        "",
        [],
    ),
    ("urgences", "Médecine d'urgence", "urgences", ["chu", "ch"]),
    ("soins-critiques", "Soins critiques", "soins_critiques", []),
    (
        "irc",
        "Traitement de l'insuffisance rénale chronique par épuration extrarénale",
        "irc",
        [],
    ),
    (
        "amp-dpn",
        "Activités cliniques et biologiques d'assistance médicale à la procréation et activités "
        "biologiques de diagnostic prénatal",
        "",
        [],
    ),
    ("had", "Hospitalisation à domicile", "had", []),
    ("radiologie-interventionnelle", "Radiologie interventionnelle", "", []),
]

EQUIPMENT = [
    ("irm", "Appareil d'imagerie par résonance magnétique (IRM)"),
    ("scanner", "Scanographe à utilisation médicale"),
    ("tep", "Tomographe à émissions de positons (TEP)"),
    ("gamma-camera", "Caméra à scintillation (gamma-caméra)"),
    ("caisson-hyperbare", "Caisson hyperbare"),
    ("cyclotron", "Cyclotron à utilisation médicale"),
]

# (code, title, phase, pathway code, activity codes)
THEMES = [
    ("sante-mentale", "Santé mentale", 1, "sante-mentale", ["psychiatrie"]),
    ("perinatalite", "Périnatalité", 1, "perinatalite", ["obstetrique", "amp-dpn"]),
    ("urgences", "Urgences", 1, "urgences", ["urgences", "soins-critiques"]),
    (
        "equipements-lourds",
        "Équipements matériels lourds",
        2,
        "",
        [code for code, _label in EQUIPMENT],
    ),
    ("chirurgie", "Chirurgie", 2, "", ["chirurgie", "chirurgie-cardiaque", "neurochirurgie"]),
]

GROUPS = ["planner", "director", "analyst", "admin"]


def seed(apps, schema_editor):
    AuthorisedActivity = apps.get_model("sros", "AuthorisedActivity")
    VoletTheme = apps.get_model("sros", "VoletTheme")
    Pathway = apps.get_model("pathways", "Pathway")
    Group = apps.get_model("auth", "Group")
    for order, (code, label, facility_activity, proxy_kinds) in enumerate(ACTIVITIES, start=1):
        AuthorisedActivity.objects.update_or_create(
            code=code,
            defaults={
                "label": label,
                "kind": "activity",
                "legal_reference": R6122_25,
                "valid_from": REFORM,
                "facility_activity": facility_activity,
                "proxy_kinds": proxy_kinds,
                "order": order,
            },
        )
    for order, (code, label) in enumerate(EQUIPMENT, start=1):
        AuthorisedActivity.objects.update_or_create(
            code=code,
            defaults={
                "label": label,
                "kind": "equipment",
                "legal_reference": R6122_26,
                "order": order,
            },
        )
    for order, (code, title, phase, pathway_code, activity_codes) in enumerate(THEMES, start=1):
        theme, _created = VoletTheme.objects.update_or_create(
            code=code,
            defaults={
                "title": title,
                "phase": phase,
                "order": order,
                "pathway": Pathway.objects.filter(code=pathway_code).first(),
            },
        )
        theme.activities.set(AuthorisedActivity.objects.filter(code__in=activity_codes))
    for name in GROUPS:
        Group.objects.get_or_create(name=name)


def unseed(apps, schema_editor):
    apps.get_model("sros", "VoletTheme").objects.filter(code__in=[t[0] for t in THEMES]).delete()
    codes = [a[0] for a in ACTIVITIES] + [e[0] for e in EQUIPMENT]
    apps.get_model("sros", "AuthorisedActivity").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sros", "0001_initial"),
        ("pathways", "0002_seed_pathways"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(seed, unseed)]

"""The catalogue as the 2021–2023 reform wrote it (data): the texts, and the modalities and
mentions each décret d'implantation defines, with the date they came into force; TEP and
gamma-cameras end as heavy equipment on 2023-05-31 (décret 2021-1930 abrogated 1° of R6122-26:
they are part of the médecine nucléaire activity since 2023-06-01). Sources, with their
addresses, in docs/authorisation-catalogue.md.

Rows are added or ended, never edited: the modalities the planning tools knew before (0008)
stay, so authorisations written with them still name a row of the catalogue; those the reform
replaced end on 2023-05-31.
"""

import datetime as dt

from django.db import migrations

REFORM = dt.date(2023, 6, 1)
BEFORE_REFORM = dt.date(2023, 5, 31)
#: Décret 2023-1374 came into force the day after its publication (JORF of 2023-12-30).
EMERGENCY_REFORM = dt.date(2023, 12, 31)

# (code, title, signed on, in force on, url)
TEXTS = [
    (
        "csp-r6122-25",
        "Code de la santé publique, art. R6122-25 (activités de soins soumises à autorisation)",
        None,
        REFORM,
        "",
    ),
    (
        "csp-r6122-26",
        "Code de la santé publique, art. R6122-26 (équipements matériels lourds)",
        None,
        REFORM,
        "",
    ),
    (
        "decret-2021-1930",
        "Décret n° 2021-1930 du 30 décembre 2021 relatif aux conditions d'implantation de "
        "l'activité de médecine nucléaire",
        dt.date(2021, 12, 30),
        REFORM,
        "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000044792792",
    ),
    (
        "decret-2021-1954",
        "Décret n° 2021-1954 du 31 décembre 2021 relatif aux conditions d'implantation de "
        "l'activité d'hospitalisation à domicile",
        dt.date(2021, 12, 31),
        REFORM,
        "https://www.legifrance.gouv.fr/eli/decret/2021/12/31/SSAH2129227D/jo/texte",
    ),
    (
        "decret-2022-24",
        "Décret n° 2022-24 du 11 janvier 2022 relatif aux conditions d'implantation de "
        "l'activité de soins médicaux et de réadaptation",
        dt.date(2022, 1, 11),
        REFORM,
        "",
    ),
    (
        "decret-2022-689",
        "Décret n° 2022-689 du 26 avril 2022 relatif aux conditions d'implantation de "
        "l'activité de soins de traitement du cancer",
        dt.date(2022, 4, 26),
        REFORM,
        "",
    ),
    (
        "decret-2022-690",
        "Décret n° 2022-690 du 26 avril 2022 relatif aux conditions d'implantation de "
        "l'activité de soins critiques",
        dt.date(2022, 4, 26),
        REFORM,
        "https://www.legifrance.gouv.fr/jorf/texte_jo/JORFTEXT000045668536",
    ),
    (
        "decret-2022-1263",
        "Décret n° 2022-1263 du 28 septembre 2022 relatif aux conditions d'implantation de "
        "l'activité de psychiatrie",
        dt.date(2022, 9, 28),
        REFORM,
        "https://www.legifrance.gouv.fr/eli/decret/2022/9/28/SPRH2200500D/jo/texte",
    ),
    (
        "decret-2022-1765",
        "Décret n° 2022-1765 du 29 décembre 2022 relatif aux conditions d'implantation des "
        "activités de soins de chirurgie, de chirurgie cardiaque et de neurochirurgie",
        dt.date(2022, 12, 29),
        REFORM,
        "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000046848991",
    ),
    (
        "decret-2023-1374",
        "Décret n° 2023-1374 du 29 décembre 2023 relatif aux conditions d'implantation de "
        "l'activité de médecine d'urgence",
        dt.date(2023, 12, 29),
        EMERGENCY_REFORM,
        "https://www.legifrance.gouv.fr/jorf/id/JORFTEXT000048730260",
    ),
]

#: Activity → the text that defines its modalities and mentions.
ACTIVITY_TEXTS = {
    "medecine_nucleaire": "decret-2021-1930",
    "had": "decret-2021-1954",
    "smr": "decret-2022-24",
    "cancer": "decret-2022-689",
    "soins_critiques": "decret-2022-690",
    "psychiatrie": "decret-2022-1263",
    "chirurgie": "decret-2022-1765",
    "urgences": "decret-2023-1374",
}

# activity → [(code, label, article, valid from)]
MODALITIES = {
    "urgences": [
        ("amu", "Antenne de médecine d'urgence", "R6123-1 3°, R6123-6-1", EMERGENCY_REFORM),
    ],
    "psychiatrie": [
        # R6123-175 calls the four "mentions"; the product keeps them in the modality column
        # it has always used for psychiatry (docs/authorisation-catalogue.md).
        ("perinatale", "Psychiatrie périnatale", "R6123-175 3°", REFORM),
        ("soins_sans_consentement", "Soins sans consentement", "R6123-175 4°", REFORM),
    ],
    "smr": [
        ("enfants_adolescents", "Pédiatrie – enfants et adolescents", "R6123-121 I 10° a", REFORM),
        (
            "jeunes_enfants",
            "Pédiatrie – jeunes enfants, enfants et adolescents",
            "R6123-121 I 10° b",
            REFORM,
        ),
        ("oncologie", "Cancers – oncologie", "R6123-121 I 11° a", REFORM),
        ("onco_hematologie", "Cancers – oncologie et hématologie", "R6123-121 I 11° b", REFORM),
    ],
    "chirurgie": [
        (
            "chirurgie_adulte",
            "Chirurgie pratiquée chez des patients adultes",
            "R6123-202 I 1°",
            REFORM,
        ),
        ("chirurgie_pediatrique", "Chirurgie pédiatrique", "R6123-202 I 2°", REFORM),
        ("chirurgie_bariatrique", "Chirurgie bariatrique", "R6123-202 I 3°", REFORM),
    ],
    "cancer": [
        ("chirurgie_oncologique", "Chirurgie oncologique", "R6123-86-1 1°", REFORM),
        ("radiotherapie", "Radiothérapie externe, curiethérapie", "R6123-86-1 2°", REFORM),
        (
            "traitements_systemiques",
            "Traitements médicamenteux systémiques du cancer",
            "R6123-86-1 3°",
            REFORM,
        ),
    ],
    "soins_critiques": [
        ("adultes", "Soins critiques adultes", "R6123-34-1", REFORM),
        ("pediatriques", "Soins critiques pédiatriques", "R6123-34-2", REFORM),
    ],
}
#: Modalities of 0008 that the reform replaced (SMR and chirurgie by age before 2023).
ENDED_MODALITIES = {
    "smr": ["adultes_generale", "pediatrie"],
    "chirurgie": ["adultes_generale", "pediatrie"],
}

# activity → [(code, label, modality or "", article, valid from)]
SURGERY_PRACTICES = [
    ("maxillo_faciale", "Chirurgie maxillo-faciale, stomatologie et chirurgie orale"),
    ("orthopedique", "Chirurgie orthopédique et traumatologique"),
    ("plastique", "Chirurgie plastique reconstructrice"),
    ("thoracique", "Chirurgie thoracique et cardiovasculaire"),
    ("vasculaire", "Chirurgie vasculaire et endovasculaire"),
    ("viscerale", "Chirurgie viscérale et digestive"),
    ("gynecologique", "Chirurgie gynécologique et obstétrique"),
    ("neurochirurgie_limitee", "Neurochirurgie limitée aux nerfs périphériques et au rachis"),
    ("ophtalmologique", "Chirurgie ophtalmologique"),
    ("orl", "Chirurgie oto-rhino-laryngologique et cervico-faciale"),
    ("urologique", "Chirurgie urologique"),
]
MENTIONS = {
    "urgences": [
        ("smur_pediatrique", "SMUR pédiatrique", "smur", "R6123-1 2°", EMERGENCY_REFORM),
        (
            "su_pediatrique",
            "Structure des urgences pédiatriques",
            "su",
            "R6123-1 3°",
            EMERGENCY_REFORM,
        ),
    ],
    "medecine_nucleaire": [
        ("a", "Mention A", "", "R6123-135 1°", REFORM),
        ("b", "Mention B", "", "R6123-135 2°", REFORM),
    ],
    "smr": [
        ("polyvalent", "Polyvalent", "", "R6123-121 I 1°", REFORM),
        ("geriatrie", "Gériatrie", "", "R6123-121 I 2°", REFORM),
        ("locomoteur", "Locomoteur", "", "R6123-121 I 3°", REFORM),
        ("systeme_nerveux", "Système nerveux", "", "R6123-121 I 4°", REFORM),
        ("cardio_vasculaire", "Cardio-vasculaire", "", "R6123-121 I 5°", REFORM),
        ("pneumologie", "Pneumologie", "", "R6123-121 I 6°", REFORM),
        (
            "digestif",
            "Système digestif, endocrinologie, diabétologie, nutrition",
            "",
            "R6123-121 I 7°",
            REFORM,
        ),
        ("brules", "Brûlés", "", "R6123-121 I 8°", REFORM),
        ("conduites_addictives", "Conduites addictives", "", "R6123-121 I 9°", REFORM),
        ("pediatrie", "Pédiatrie", "", "R6123-121 I 10°", REFORM),
        ("cancers", "Cancers", "", "R6123-121 I 11°", REFORM),
    ],
    "chirurgie": [
        (code, label, "chirurgie_adulte", f"R6123-202 II {n}°", REFORM)
        for n, (code, label) in enumerate(SURGERY_PRACTICES, start=1)
    ],
    "cancer": [
        (
            "chirurgie_a",
            "Chirurgie oncologique – mention A",
            "chirurgie_oncologique",
            "R6123-87-1 I",
            REFORM,
        ),
        (
            "chirurgie_b",
            "Chirurgie oncologique – mention B",
            "chirurgie_oncologique",
            "R6123-87-1",
            REFORM,
        ),
    ],
    "soins_critiques": [
        (
            "adultes_reanimation",
            "Réanimation et soins intensifs polyvalents, et de spécialité le cas échéant",
            "adultes",
            "R6123-34-1 1°",
            REFORM,
        ),
        (
            "adultes_sip_derogatoires",
            "Soins intensifs polyvalents dérogatoires",
            "adultes",
            "R6123-34-1 2°",
            REFORM,
        ),
        (
            "adultes_si_cardiologie",
            "Soins intensifs de cardiologie",
            "adultes",
            "R6123-34-1 3°",
            REFORM,
        ),
        (
            "adultes_si_neurovasculaires",
            "Soins intensifs neurovasculaires",
            "adultes",
            "R6123-34-1 4°",
            REFORM,
        ),
        (
            "adultes_si_hematologie",
            "Soins intensifs d'hématologie",
            "adultes",
            "R6123-34-1 5°",
            REFORM,
        ),
        (
            "pediatriques_recours",
            "Réanimation pédiatrique de recours et soins intensifs pédiatriques",
            "pediatriques",
            "R6123-34-2 1°",
            REFORM,
        ),
        (
            "pediatriques_reanimation",
            "Réanimation pédiatrique et soins intensifs pédiatriques polyvalents",
            "pediatriques",
            "R6123-34-2 2°",
            REFORM,
        ),
        (
            "pediatriques_sip_derogatoires",
            "Soins intensifs pédiatriques polyvalents dérogatoires",
            "pediatriques",
            "R6123-34-2 3°",
            REFORM,
        ),
        (
            "pediatriques_si_hematologie",
            "Soins intensifs pédiatriques d'hématologie",
            "pediatriques",
            "R6123-34-2 4°",
            REFORM,
        ),
    ],
    "had": [
        ("socle", "Socle", "", "R6123-141 I 1°", REFORM),
        ("readaptation", "Réadaptation", "", "R6123-141 I 2°", REFORM),
        ("ante_post_partum", "Ante et post-partum", "", "R6123-141 I 3°", REFORM),
        ("enfants_moins_3_ans", "Enfants de moins de trois ans", "", "R6123-141 I 4°", REFORM),
    ],
}
#: Heavy equipment that R6122-26 1° listed until décret 2021-1930 abrogated it.
ENDED_EQUIPMENT = ("tep", "gamma_camera")
EQUIPMENT = ("irm", "scanner", "caisson_hyperbare", "cyclotron")


def forward(apps, schema_editor):
    LegalText = apps.get_model("facilities", "LegalText")
    AuthorisedActivity = apps.get_model("facilities", "AuthorisedActivity")
    Modality = apps.get_model("facilities", "Modality")
    Mention = apps.get_model("facilities", "Mention")
    texts = {}
    for code, title, signed_on, in_force_on, url in TEXTS:
        texts[code], _created = LegalText.objects.update_or_create(
            code=code,
            defaults={
                "title": title,
                "signed_on": signed_on,
                "in_force_on": in_force_on,
                "url": url,
            },
        )
    AuthorisedActivity.objects.filter(kind="activity").update(legal_text=texts["csp-r6122-25"])
    AuthorisedActivity.objects.filter(code__in=EQUIPMENT).update(legal_text=texts["csp-r6122-26"])
    AuthorisedActivity.objects.filter(code__in=ENDED_EQUIPMENT).update(
        legal_text=texts["decret-2021-1930"], valid_to=BEFORE_REFORM
    )
    activities = AuthorisedActivity.objects.in_bulk(field_name="code")
    for activity, codes in ENDED_MODALITIES.items():
        Modality.objects.filter(activity=activities[activity], code__in=codes).update(
            valid_to=BEFORE_REFORM
        )
    for activity, rows in MODALITIES.items():
        text = texts[ACTIVITY_TEXTS[activity]]
        for order, (code, label, article, valid_from) in enumerate(rows, start=10):
            Modality.objects.update_or_create(
                activity=activities[activity],
                code=code,
                defaults={
                    "label": label,
                    "legal_text": text,
                    "legal_reference": f"Code de la santé publique, art. {article}",
                    "valid_from": valid_from,
                    "order": order,
                },
            )
    for activity, rows in MENTIONS.items():
        text = texts[ACTIVITY_TEXTS[activity]]
        for order, (code, label, modality, article, valid_from) in enumerate(rows, start=1):
            Mention.objects.update_or_create(
                activity=activities[activity],
                code=code,
                defaults={
                    "label": label,
                    "modality": Modality.objects.get(activity=activities[activity], code=modality)
                    if modality
                    else None,
                    "legal_text": text,
                    "legal_reference": f"Code de la santé publique, art. {article}",
                    "valid_from": valid_from,
                    "order": order,
                },
            )
    # The modalities psychiatry and médecine d'urgence already had come from the same texts.
    for activity in ("psychiatrie", "urgences"):
        Modality.objects.filter(activity=activities[activity], legal_text__isnull=True).update(
            legal_text=texts[ACTIVITY_TEXTS[activity]]
        )


def backward(apps, schema_editor):
    Mention = apps.get_model("facilities", "Mention")
    Modality = apps.get_model("facilities", "Modality")
    AuthorisedActivity = apps.get_model("facilities", "AuthorisedActivity")
    Mention.objects.all().delete()
    for activity, rows in MODALITIES.items():
        Modality.objects.filter(activity__code=activity, code__in=[r[0] for r in rows]).delete()
    Modality.objects.update(valid_to=None, legal_text=None)
    AuthorisedActivity.objects.filter(code__in=ENDED_EQUIPMENT).update(valid_to=None)
    AuthorisedActivity.objects.update(legal_text=None)
    apps.get_model("facilities", "LegalText").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("facilities", "0010_authorisation_references_catalogue")]
    operations = [migrations.RunPython(forward, backward)]

"""Seed the inventory of initiatives with the examples of the Cnom's report of 21 February 2017
(« Améliorer l'offre de soins : initiatives réussies dans les territoires », as summarised in
seed 001). Only what the text says is kept: no figure, cost or place is added; département
codes are given only where the text names the département.
"""

from django.db import migrations

SOURCE = "Cnom, rapport d'étape « Améliorer l'offre de soins : initiatives réussies dans les territoires », 21 février 2017"

# (title, kind, description, places, cost, département codes)
INITIATIVES = [
    (
        "Maillage du territoire par des maisons de santé",
        "regroupement",
        "Maillage du territoire avec des maisons de santé, dont le Cnom estime qu'il a permis de "
        "sauver la démographie médicale dans certains départements. Le Cnom recense 708 maisons "
        "de santé dont 95 en construction ; elles partagent les dossiers médicaux et, souvent, "
        "emploient le personnel administratif au travers d'une société.",
        "Mayenne, Finistère, Aveyron, Meuse",
        "",
        ["53", "29", "12", "55"],
    ),
    (
        "Maison universitaire de santé et de soins primaires (Mussp) de Dijon",
        "regroupement",
        "Structure rapprochée de l'université qui regroupe 25 professionnels de santé, parties à "
        "un groupement d'intérêt économique (GIE) constitué avec le CHU et la Mutualité française.",
        "Dijon",
        "Cofinancée par les loyers des praticiens libéraux, l'ARS, le conseil départemental, "
        "l'agglomération et la ville.",
        [],
    ),
    (
        "Réseau de la montagne limousine",
        "reseau",
        "Réseau de 3 médecins généralistes de Corrèze et 3 de Creuse : partage de dossiers "
        "médicaux, régulation des appels et mutualisation de la permanence des soins. À son "
        "siège, la maison pluridisciplinaire de Bugeat, exercent 4 infirmières, un podologue et "
        "un chirurgien-dentiste.",
        "Corrèze, Creuse (siège à Bugeat)",
        "Investissement minime.",
        ["19", "23"],
    ),
    (
        "Groupe cardiovasculaire Sorgue-Lubéron",
        "reseau",
        "8 cardiologues, 8 secrétaires, 3 cabinets et un logiciel médical commun.",
        "Sorgue-Lubéron",
        "",
        [],
    ),
    (
        "GCS Institut régional fédératif du cancer de Franche-Comté (IRFC)",
        "gcs_ght",
        "Groupement de coopération sanitaire : une équipe d'une vingtaine de praticiens du CHU "
        "de Besançon intervenant dans des établissements de Belfort, Montbéliard, Pontarlier, "
        "Lons-le-Saunier, Vesoul et Dole.",
        "Franche-Comté : Besançon, Belfort, Montbéliard, Pontarlier, Lons-le-Saunier, Vesoul, Dole",
        "",
        [],
    ),
    (
        "Montpellier Institut du sein (MIS)",
        "reseau",
        "50 professionnels de 17 spécialités pour la prise en charge coordonnée des femmes "
        "confrontées à un cancer du sein.",
        "Montpellier",
        "",
        [],
    ),
    (
        "GHT des Deux-Sèvres élargi",
        "gcs_ght",
        "Groupement hospitalier de territoire dont la composition s'élargirait, avec l'accord du "
        "directeur général d'ARS, aux hôpitaux et établissements médico-sociaux publics, "
        "établissements privés, ordres professionnels, professionnels de santé libéraux et pôles "
        "et maisons de santé pluridisciplinaires.",
        "Deux-Sèvres",
        "",
        ["79"],
    ),
    (
        "Temps partagé hôpital – maison de santé à Belle-Île-en-Mer",
        "temps_partage",
        "Médecins salariés de l'hôpital de Belle-Île-en-Mer effectuant des vacations en libéral "
        "dans une maison de santé.",
        "Belle-Île-en-Mer (Morbihan)",
        "",
        ["56"],
    ),
    (
        "GCS de Châtellerault : soins dentaires à domicile",
        "gcs_ght",
        "Partenariat entre le centre hospitalier et des chirurgiens-dentistes libéraux pour "
        "assurer la réalisation d'interventions à domicile chez des personnes handicapées.",
        "Châtellerault",
        "",
        [],
    ),
    (
        "Accueil d'internes par des rhumatologues libéraux",
        "terrain_stage",
        "Expérimentation de terrains de stage avec l'accueil d'internes par des rhumatologues "
        "libéraux.",
        "Cher",
        "",
        ["18"],
    ),
    (
        "Réunions informelles de l'URPS Bourgogne",
        "terrain_stage",
        "Organisation de réunions informelles par l'union régionale des professionnels de santé "
        "(URPS) Bourgogne.",
        "Bourgogne",
        "",
        [],
    ),
    (
        "Comité ville-hôpital en Limousin",
        "terrain_stage",
        "Un comité ville-hôpital, cité parmi les initiatives de formation.",
        "Limousin",
        "",
        [],
    ),
    (
        "Accueil matériel et financier des internes",
        "terrain_stage",
        "Un accueil matériel et financier pour les internes.",
        "Cantal, Alpes-de-Haute-Provence, Lozère",
        "",
        ["15", "04", "48"],
    ),
    (
        "SOS Médecins Sens, médecin traitant des assurés qui n'en ont pas",
        "delegation",
        "Les praticiens de l'association SOS Médecins à Sens sont considérés comme le médecin "
        "traitant des assurés qui n'en ont pas désigné.",
        "Sens (Yonne)",
        "",
        ["89"],
    ),
    (
        "Médecins généralistes habilités aux premiers secours",
        "delegation",
        "Habilitation de médecins généralistes équipés de matériels d'urgentistes à administrer "
        "les premiers secours.",
        "Aquitaine",
        "",
        [],
    ),
    (
        "Protocoles Asalée",
        "delegation",
        "Éducation thérapeutique assurée par des infirmières sous l'égide de médecins dans le "
        "cadre des protocoles « Asalée ».",
        "",
        "",
        [],
    ),
    (
        "Conseils médicaux à distance pour les détenus de la centrale d'Ensisheim",
        "telemedecine",
        "Expérience de conseils à distance pour les détenus de la maison centrale.",
        "Ensisheim (Haut-Rhin)",
        "",
        ["68"],
    ),
    (
        "Convention de coopération pour l'île de Molène",
        "telemedecine",
        "Une convention de coopération de télémédecine pour l'île de Molène.",
        "Île de Molène (Finistère)",
        "",
        ["29"],
    ),
    (
        "Téléradiologie dans le Val-d'Oise",
        "telemedecine",
        "Une initiative de téléradiologie.",
        "Val-d'Oise",
        "",
        ["95"],
    ),
    (
        "Téléconsultation à Coutras et à Belle-Île-en-Mer",
        "telemedecine",
        "Téléconsultations.",
        "Coutras (Gironde), Belle-Île-en-Mer (Morbihan)",
        "",
        ["33", "56"],
    ),
    (
        "Cabines de télémédecine en Ehpad",
        "telemedecine",
        "Des cabines de télémédecine dans des établissements d'hébergement pour personnes âgées "
        "dépendantes (Ehpad).",
        "Bretagne",
        "",
        [],
    ),
    (
        "Guichets uniques à l'installation",
        "exercice_ambulatoire",
        "Organisation de lieux multiples d'exercice pour les libéraux, forums régionaux, "
        "plateformes de téléconseil ou d'aide à l'installation et à l'exercice de remplaçants, "
        "guichets uniques à l'installation.",
        "",
        "",
        [],
    ),
]

REPRODUCIBILITY = (
    "Critère de l'inventaire du Cnom : retenir les initiatives originales et pertinentes, "
    "reproductibles et n'engendrant pas de coûts supplémentaires importants."
)


def seed(apps, schema_editor):
    Initiative = apps.get_model("sros", "Initiative")
    InitiativeDepartment = apps.get_model("sros", "InitiativeDepartment")
    for title, kind, description, places, cost, departments in INITIATIVES:
        initiative, _created = Initiative.objects.update_or_create(
            title=title,
            defaults={
                "kind": kind,
                "description": description,
                "places": places,
                "cost": cost,
                "reproducibility": REPRODUCIBILITY,
                "source": SOURCE[:255],
            },
        )
        for code in departments:
            InitiativeDepartment.objects.get_or_create(initiative=initiative, department_code=code)


def unseed(apps, schema_editor):
    titles = [row[0] for row in INITIATIVES]
    apps.get_model("sros", "Initiative").objects.filter(title__in=titles).delete()


class Migration(migrations.Migration):
    dependencies = [("sros", "0002_seed_catalogue")]

    operations = [migrations.RunPython(seed, unseed)]

"""Activities subject to authorisation (activités de soins soumises à autorisation) and their
modalities, as the planning tools use them.

The codes are ours (stable, ASCII); the labels are the official French names. The full list of
article R6122-25 of the Code de la santé publique is kept as data by the schema (``sros``); this
module only names the activities and modalities that pathways and importers need to recognise.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Activity(models.TextChoices):
    EMERGENCY = "urgences", _("Médecine d'urgence")
    OBSTETRICS = "obstetrique", _("Gynécologie-obstétrique, néonatologie, réanimation néonatale")
    PSYCHIATRY = "psychiatrie", _("Psychiatrie")
    MEDICINE = "medecine", _("Médecine")
    SURGERY = "chirurgie", _("Chirurgie")
    REHABILITATION = "smr", _("Soins médicaux et de réadaptation")
    LONG_TERM_CARE = "sld", _("Soins de longue durée")
    CRITICAL_CARE = "soins_critiques", _("Soins critiques")
    CANCER = "cancer", _("Traitement du cancer")
    DIALYSIS = "irc", _("Traitement de l'insuffisance rénale chronique")
    HOME_HOSPITAL = "had", _("Hospitalisation à domicile")
    CARDIAC_SURGERY = "chirurgie_cardiaque", _("Chirurgie cardiaque")
    INTERVENTIONAL_CARDIOLOGY = "cardio_interv", _("Cardiologie interventionnelle")
    NEUROSURGERY = "neurochirurgie", _("Neurochirurgie")
    NUCLEAR_MEDICINE = "medecine_nucleaire", _("Médecine nucléaire")


class Modality(models.TextChoices):
    NONE = "", _("(sans modalité)")
    EMERGENCY_UNIT = "su", _("Structure des urgences")
    PAEDIATRIC_EMERGENCY_UNIT = "su_pediatrique", _("Structure des urgences pédiatriques")
    SMUR = "smur", _("SMUR")
    SAMU = "samu", _("SAMU (régulation)")
    MATERNITY_1 = "type_1", _("Maternité de type 1")
    MATERNITY_2A = "type_2a", _("Maternité de type 2A")
    MATERNITY_2B = "type_2b", _("Maternité de type 2B")
    MATERNITY_3 = "type_3", _("Maternité de type 3")
    PSY_ADULTS = "adultes", _("Psychiatrie générale (adultes)")
    PSY_CHILDREN = "infanto_juvenile", _("Psychiatrie de l'enfant et de l'adolescent")
    ADULTS = "adultes_generale", _("Adultes")
    PAEDIATRICS = "pediatrie", _("Pédiatrie")


#: Which modalities each activity admits; an activity absent from this map admits only NONE.
MODALITIES_BY_ACTIVITY: dict[str, frozenset[str]] = {
    Activity.EMERGENCY: frozenset(
        {Modality.EMERGENCY_UNIT, Modality.PAEDIATRIC_EMERGENCY_UNIT, Modality.SMUR, Modality.SAMU}
    ),
    Activity.OBSTETRICS: frozenset(
        {
            Modality.MATERNITY_1,
            Modality.MATERNITY_2A,
            Modality.MATERNITY_2B,
            Modality.MATERNITY_3,
        }
    ),
    Activity.PSYCHIATRY: frozenset({Modality.PSY_ADULTS, Modality.PSY_CHILDREN}),
    Activity.REHABILITATION: frozenset({Modality.NONE, Modality.ADULTS, Modality.PAEDIATRICS}),
    Activity.SURGERY: frozenset({Modality.NONE, Modality.ADULTS, Modality.PAEDIATRICS}),
}


def modality_allowed(activity: str, modality: str) -> bool:
    """Whether ``modality`` is a valid modality of ``activity``."""
    return modality in MODALITIES_BY_ACTIVITY.get(activity, frozenset({Modality.NONE}))

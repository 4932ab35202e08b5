"""Health professionals and their practice sites, from the Annuaire Santé public extraction
(``docs/annuaire-sante.md``; importer ``facilities.importers_annuaire``).

**No activity and no age**: the public file has neither, so what it gives is a head count per
practice site. An activity value (ETP or consultations) is stored only when a file has the
column (not the public file).

The models are declared here and imported by ``facilities.models``.
"""

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

#: TRE_G15-ProfessionSante: 10 = Médecin.
DOCTOR = "10"
#: TRE_R38-SpecialiteOrdinale codes of general medicine: SM26 "Qualifié en Médecine Générale",
#: SM53 "Spécialiste en Médecine Générale", SM54 "Médecine Générale".
GENERAL_MEDICINE = frozenset({"SM26", "SM53", "SM54"})

#: The caveat every figure built from the public file carries.
ANNUAIRE_CAVEAT = _(
    "Annuaire Santé : ni activité ni âge dans le fichier public — effectifs par lieu d'exercice"
)


def is_general_practitioner(profession_code: str, savoir_faire_code: str) -> bool:
    """A médecin (profession 10) whose savoir-faire is general medicine (SM26, SM53, SM54)."""
    return profession_code == DOCTOR and savoir_faire_code in GENERAL_MEDICINE


#: The same rule as a filter on ``Practitioner``.
GENERAL_PRACTITIONER = Q(profession_code=DOCTOR, savoir_faire_code__in=sorted(GENERAL_MEDICINE))


class PracticeSite(models.Model):
    """A place where professionals practise (a cabinet, a centre, a hospital site…),
    identified by the structure's technical identifier, else its SIRET, else its FINESS site
    number. The public file gives no coordinates: the site is then placed at its commune's
    representative point (``placed_at_commune``)."""

    structure_key = models.CharField(_("identifiant de la structure"), max_length=40, unique=True)
    technical_id = models.CharField(
        _("identifiant technique de la structure"), max_length=40, blank=True
    )
    siret = models.CharField(_("n° SIRET"), max_length=14, blank=True)
    siren = models.CharField(_("n° SIREN"), max_length=9, blank=True)
    finess_site = models.CharField(_("n° FINESS site"), max_length=9, blank=True)
    finess_ej = models.CharField(_("n° FINESS EJ"), max_length=9, blank=True)
    name = models.CharField(_("raison sociale"), max_length=255, blank=True)
    sign = models.CharField(_("enseigne commerciale"), max_length=255, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postcode = models.CharField(_("code postal"), max_length=10, blank=True)
    city = models.CharField(_("ville"), max_length=150, blank=True)
    sector_code = models.CharField(_("code secteur d'activité"), max_length=10, blank=True)
    sector_label = models.CharField(_("secteur d'activité"), max_length=255, blank=True)
    department_code = models.CharField(_("département"), max_length=3, blank=True)
    commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practice_sites",
        verbose_name=_("commune"),
    )
    point = models.PointField(_("localisation"), srid=4326, null=True, blank=True)
    placed_at_commune = models.BooleanField(_("placé au point de la commune"), default=False)
    source_date = models.DateField(_("date de l'extraction"), null=True, blank=True)

    class Meta:
        ordering = ["structure_key"]
        indexes = [models.Index(fields=["department_code"], name="practicesite_department")]
        verbose_name = _("lieu d'exercice")
        verbose_name_plural = _("lieux d'exercice")

    def __str__(self) -> str:
        return f"{self.structure_key} {self.name or self.sign}".strip()


class Practitioner(models.Model):
    """One activity of one professional at one site: a line of the extraction (RPPS or ADELI
    identifier, profession, savoir-faire, mode d'exercice). Names are not kept: planning
    needs head counts, not identities."""

    class ActivityUnit(models.TextChoices):
        NONE = "", _("aucune (fichier public)")
        ETP = "etp", _("équivalent temps plein")
        CONSULTATIONS = "consultations", _("consultations")

    source_key = models.CharField(
        _("clé de la ligne dans l'extraction"), max_length=160, unique=True
    )
    identifier_type = models.CharField(_("type d'identifiant"), max_length=2, blank=True)
    national_id = models.CharField(_("identification nationale (RPPS/ADELI)"), max_length=12)
    profession_code = models.CharField(_("code profession"), max_length=4)
    profession_label = models.CharField(_("profession"), max_length=120, blank=True)
    category_code = models.CharField(_("catégorie professionnelle"), max_length=2, blank=True)
    savoir_faire_type = models.CharField(_("type de savoir-faire"), max_length=10, blank=True)
    savoir_faire_code = models.CharField(_("code savoir-faire"), max_length=10, blank=True)
    savoir_faire_label = models.CharField(_("savoir-faire"), max_length=255, blank=True)
    practice_mode_code = models.CharField(_("code mode d'exercice"), max_length=2, blank=True)
    practice_mode_label = models.CharField(_("mode d'exercice"), max_length=60, blank=True)
    site = models.ForeignKey(
        PracticeSite,
        on_delete=models.CASCADE,
        related_name="practitioners",
        verbose_name=_("lieu d'exercice"),
    )
    activity = models.DecimalField(
        _("activité"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    activity_unit = models.CharField(
        _("unité d'activité"), max_length=15, choices=ActivityUnit.choices, blank=True
    )
    source_date = models.DateField(_("date de l'extraction"), null=True, blank=True)

    class Meta:
        ordering = ["site", "national_id", "profession_code", "savoir_faire_code"]
        indexes = [
            models.Index(fields=["profession_code", "savoir_faire_code"], name="practitioner_code")
        ]
        verbose_name = _("professionnel de santé (activité)")
        verbose_name_plural = _("professionnels de santé (activités)")

    def __str__(self) -> str:
        return f"{self.national_id} {self.profession_label} @ {self.site_id}"

    @property
    def is_general_practitioner(self) -> bool:
        return is_general_practitioner(self.profession_code, self.savoir_faire_code)

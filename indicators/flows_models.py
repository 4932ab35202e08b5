"""Patient flows as the PMSI publishes them (issue 13 §3; docs/patient-flows.md).

Two tables, both kept as published so that every figure can be traced back to a line:

* ``PmsiGeoCommune``: the correspondence of a PMSI geographic code of residence (built by the
  ATIH from postal codes) to the communes it covers, per year, with each commune's share of
  the code's population (the rule that splits a code's stays over its communes).
* ``PatientFlow``: stays of one year and activity, from one residence code to one FINESS
  number — an ET (site) or an EJ (legal entity) as the file gives it, the level kept; a cell
  masked by the statistical secret has no stays (NULL, never 0) and ``masked`` set.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PmsiGeoCommune(models.Model):
    """One commune of a PMSI geographic code in one year, with its population share."""

    year = models.PositiveSmallIntegerField(_("année"))
    pmsi_code = models.CharField(_("code géographique PMSI"), max_length=5)
    commune = models.ForeignKey(
        "territories.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    #: population / population of the code's communes (equal shares when none is known).
    share = models.FloatField(_("part de la population du code"))

    class Meta:
        ordering = ["year", "pmsi_code", "commune"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "pmsi_code", "commune"], name="pmsi_geo_commune_unique"
            ),
            models.CheckConstraint(
                condition=Q(share__gte=0) & Q(share__lte=1), name="pmsi_geo_commune_share_range"
            ),
        ]
        verbose_name = _("commune d'un code géographique PMSI")
        verbose_name_plural = _("communes des codes géographiques PMSI")

    def __str__(self) -> str:
        return f"{self.year} {self.pmsi_code} → {self.commune_id} ({self.share:.3f})"


class PatientFlow(models.Model):
    """Stays of residents of one PMSI code at one establishment, for a year and an activity."""

    class Level(models.TextChoices):
        ET = "et", _("Établissement (site)")
        EJ = "ej", _("Entité juridique")
        UNKNOWN = "", _("Non chargé")

    year = models.PositiveSmallIntegerField(_("année"))
    activity = models.CharField(_("activité"), max_length=40)
    pmsi_code = models.CharField(_("code géographique PMSI de résidence"), max_length=5)
    finess = models.CharField(_("n° FINESS"), max_length=9)
    level = models.CharField(_("niveau FINESS"), max_length=2, choices=Level.choices, blank=True)
    facility = models.ForeignKey(
        "facilities.Facility",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("établissement"),
    )
    legal_entity = models.ForeignKey(
        "facilities.LegalEntity",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entité juridique"),
    )
    stays = models.PositiveIntegerField(_("séjours"), null=True, blank=True)
    masked = models.BooleanField(_("masqué (secret statistique)"), default=False)

    class Meta:
        ordering = ["year", "activity", "pmsi_code", "finess"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "activity", "pmsi_code", "finess"], name="patient_flow_unique"
            ),
            models.CheckConstraint(
                condition=Q(masked=True, stays__isnull=True) | Q(masked=False, stays__isnull=False),
                name="patient_flow_masked_has_no_stays",
            ),
        ]
        indexes = [models.Index(fields=["year", "activity"])]
        verbose_name = _("flux de patients")
        verbose_name_plural = _("flux de patients")

    def __str__(self) -> str:
        stays = "masqué" if self.masked else self.stays
        return f"{self.year} {self.activity} {self.pmsi_code} → {self.finess}: {stays}"

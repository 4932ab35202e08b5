"""Emergency means outside the hospitals (issue 11 §3): the médecins correspondants du SAMU
(MCS) and the héliSMUR bases, which FINESS does not list, imported from an ARS CSV
``id;nom;commune;lon;lat;samu;date_debut;date_fin`` (``docs/emergency-resources.md``,
``facilities.importers_emergency``).

A resource is located by its commune, its coordinates, or both; one with coordinates only gets
the loaded commune whose polygon contains the point (none when no loaded polygon does).
"""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class EmergencyResource(models.Model):
    class Kind(models.TextChoices):
        MCS = "mcs", _("Médecin correspondant du SAMU (MCS)")
        HELISMUR = "helismur", _("Base héliSMUR")

    kind = models.CharField(_("type"), max_length=10, choices=Kind.choices)
    source_id = models.CharField(_("identifiant dans le fichier"), max_length=40)
    name = models.CharField(_("nom"), max_length=255)
    commune = models.ForeignKey(
        "territories.Commune",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="emergency_resources",
        verbose_name=_("commune"),
    )
    #: As published (WGS84); empty when the file gives the commune only.
    point = models.PointField(_("localisation"), srid=4326, null=True, blank=True)
    samu = models.CharField(_("SAMU de rattachement"), max_length=100, blank=True)
    start_date = models.DateField(_("début"), null=True, blank=True)
    end_date = models.DateField(_("fin"), null=True, blank=True)
    imported_at = models.DateTimeField(_("importé le"), auto_now=True)

    class Meta:
        ordering = ["kind", "source_id"]
        verbose_name = _("moyen d'urgence hors établissement")
        verbose_name_plural = _("moyens d'urgence hors établissement")
        constraints = [
            models.UniqueConstraint(fields=["kind", "source_id"], name="emergency_kind_source_id"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="emergency_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.source_id} {self.name}"

"""What-if scenarios on a schema version: a named list of changes to the facility registry
(open a site, close one, add or withdraw an authorisation), evaluated against the registry as
it is (``sros.scenarios``). A scenario changes nothing in the registry itself.

Both the scenario and its changes carry a ``history`` (django-simple-history); the scenario
carries ``lock_version`` (optimistic locking), bumped by every save of it or of its changes.
"""

from django.conf import settings
from django.contrib.gis.db import models as gis_models
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from facilities.models import AuthorisedActivity, Facility, Modality

from .. import text_limits
from .schema import SchemaVersion


class Scenario(models.Model):
    version = models.ForeignKey(
        SchemaVersion,
        on_delete=models.CASCADE,
        related_name="scenarios",
        verbose_name=_("version"),
    )
    name = models.CharField(_("nom"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=text_limits.COMMENT)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)
    lock_version = models.PositiveIntegerField(_("version de verrou"), default=0)
    history = HistoricalRecords(verbose_name=_("historique de scénario"))

    class Meta:
        ordering = ["version", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "name"], name="scenario_unique_name"),
        ]
        verbose_name = _("scénario")
        verbose_name_plural = _("scénarios")

    def __str__(self) -> str:
        return self.name


class ScenarioChange(models.Model):
    """One change of a scenario. ``facility`` names an existing site (close, authorise,
    withdraw); ``point`` and ``facility_kind`` place a new one (open), whose optional
    authorisation is ``activity``/``modality``."""

    class Kind(models.TextChoices):
        OPEN = "open", _("Ouvrir un établissement")
        CLOSE = "close", _("Fermer un établissement")
        AUTHORISE = "authorise", _("Ajouter une autorisation")
        WITHDRAW = "withdraw", _("Retirer une autorisation")

    scenario = models.ForeignKey(
        Scenario, on_delete=models.CASCADE, related_name="changes", verbose_name=_("scénario")
    )
    kind = models.CharField(_("changement"), max_length=10, choices=Kind.choices)
    facility = models.ForeignKey(
        Facility,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("établissement"),
    )
    label = models.CharField(_("nom du nouvel établissement"), max_length=200, blank=True)
    facility_kind = models.CharField(
        _("type d'établissement"), max_length=20, choices=Facility.Kind.choices, blank=True
    )
    point = gis_models.PointField(_("localisation"), srid=4326, null=True, blank=True)
    # Codes of the catalogue (``facilities.catalogue``), checked by ``sros.scenarios``: a
    # scenario's authorisations are hypothetical, not rows of the registry.
    activity = models.CharField(_("activité"), max_length=40, blank=True)
    modality = models.CharField(_("modalité"), max_length=40, blank=True)
    #: Why the change is there, when a suggestion wrote it (« suggéré par MCLP : … »).
    reason = models.CharField(_("motif"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(_("ordre"), default=0)
    history = HistoricalRecords(verbose_name=_("historique de changement de scénario"))

    class Meta:
        ordering = ["scenario", "order", "id"]
        verbose_name = _("changement de scénario")
        verbose_name_plural = _("changements de scénario")

    def __str__(self) -> str:
        target = self.facility.finess_et if self.facility_id else (self.label or _("nouveau site"))
        authorisation = f" {self.activity} {self.modality}".rstrip() if self.activity else ""
        return f"{self.get_kind_display()} : {target}{authorisation}"

    @property
    def activity_label(self) -> str:
        """The catalogue's label of ``activity`` (its code when the catalogue lacks it)."""
        found = AuthorisedActivity.objects.filter(code=self.activity).values_list("label")
        return next(iter(found), (self.activity,))[0]

    @property
    def modality_label(self) -> str:
        found = Modality.objects.filter(activity__code=self.activity, code=self.modality)
        return next(iter(found.values_list("label")), (self.modality,))[0]

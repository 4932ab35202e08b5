"""Pilot projects (as the SROS pilot programme ran them region by region, with milestones and a
yearly evaluation) and the inventory of initiatives that work on the ground."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import text_limits
from .catalogue import VoletTheme
from .schema import Schema


class PilotProject(models.Model):
    """A project in a zone on a volet's theme. The theme, not a ``Volet`` row, is referenced:
    volets are copied with each version, a project spans versions."""

    schema = models.ForeignKey(
        Schema, on_delete=models.CASCADE, related_name="pilot_projects", verbose_name=_("schéma")
    )
    title = models.CharField(_("titre"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=text_limits.DESCRIPTION)
    theme = models.ForeignKey(
        VoletTheme, on_delete=models.PROTECT, related_name="+", verbose_name=_("volet")
    )
    zone = models.ForeignKey(
        "territories.Zone", on_delete=models.PROTECT, related_name="+", verbose_name=_("zone")
    )
    start_date = models.DateField(_("début"))
    end_date = models.DateField(_("fin"), null=True, blank=True)
    lock_version = models.PositiveIntegerField(_("version de verrou"), default=0)
    history = HistoricalRecords(verbose_name=_("historique de projet pilote"))

    class Meta:
        ordering = ["schema", "start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="pilot_project_dates_in_order",
            )
        ]
        verbose_name = _("projet pilote")
        verbose_name_plural = _("projets pilotes")

    def __str__(self) -> str:
        return self.title


class Milestone(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Prévue")
        IN_PROGRESS = "in_progress", _("En cours")
        DONE = "done", _("Franchie")
        POSTPONED = "postponed", _("Reportée")
        CANCELLED = "cancelled", _("Abandonnée")

    project = models.ForeignKey(
        PilotProject,
        on_delete=models.CASCADE,
        related_name="milestones",
        verbose_name=_("projet pilote"),
    )
    title = models.CharField(_("étape"), max_length=200)
    due_date = models.DateField(_("date"))
    status = models.CharField(
        _("état"), max_length=15, choices=Status.choices, default=Status.PLANNED
    )
    history = HistoricalRecords(verbose_name=_("historique d'étape"))

    class Meta:
        ordering = ["project", "due_date", "id"]
        verbose_name = _("étape")
        verbose_name_plural = _("étapes")

    def __str__(self) -> str:
        return f"{self.due_date} {self.title}"


class Evaluation(models.Model):
    """The yearly evaluation of a project: a text and the indicator values it was judged on.

    ``indicator_snapshot`` maps an indicator key to its value and run (filled from the stored
    indicator runs once the indicators app provides them), so a later reader sees the figures
    the evaluation used, not today's.
    """

    project = models.ForeignKey(
        PilotProject,
        on_delete=models.CASCADE,
        related_name="evaluations",
        verbose_name=_("projet pilote"),
    )
    year = models.PositiveSmallIntegerField(_("année"))
    text = models.TextField(_("évaluation"), max_length=text_limits.DESCRIPTION)
    indicator_snapshot = models.JSONField(_("valeurs d'indicateurs"), default=dict, blank=True)
    created_at = models.DateTimeField(_("le"), auto_now_add=True)
    history = HistoricalRecords(verbose_name=_("historique d'évaluation"))

    class Meta:
        ordering = ["project", "year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="evaluation_one_per_year")
        ]
        verbose_name = _("évaluation annuelle")
        verbose_name_plural = _("évaluations annuelles")

    def __str__(self) -> str:
        return f"{self.project} – {self.year}"


class Initiative(models.Model):
    """Something tried on the ground that a planner may want to reproduce elsewhere.

    Only what the source says is recorded: ``cost`` and ``reproducibility`` stay empty when the
    source is silent, rather than guessed.
    """

    class Kind(models.TextChoices):
        GROUPING = "regroupement", _("Regroupement (MSP, centre de santé)")
        NETWORK = "reseau", _("Réseau")
        GCS_GHT = "gcs_ght", _("GCS / GHT")
        SHARED_TIME = "temps_partage", _("Temps médical partagé")
        TELEMEDICINE = "telemedecine", _("Télémédecine")
        DELEGATION = "delegation", _("Délégation de compétences")
        TRAINING = "terrain_stage", _("Terrain de stage, formation")
        PROMOTION = "exercice_ambulatoire", _("Promotion de l'exercice ambulatoire")

    title = models.CharField(_("titre"), max_length=200)
    kind = models.CharField(_("type"), max_length=25, choices=Kind.choices)
    description = models.TextField(_("description"), max_length=text_limits.DESCRIPTION)
    places = models.CharField(_("lieux"), max_length=255, blank=True)
    cost = models.TextField(_("coût"), blank=True, max_length=text_limits.DESCRIPTION)
    reproducibility = models.TextField(
        _("reproductibilité"), blank=True, max_length=text_limits.DESCRIPTION
    )
    source = models.CharField(_("source"), max_length=255, blank=True)
    region = models.ForeignKey(
        "territories.Region",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("région"),
    )
    zone = models.ForeignKey(
        "territories.Zone",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("zone"),
    )
    facilities = models.ManyToManyField(
        "facilities.Facility",
        blank=True,
        related_name="initiatives",
        verbose_name=_("établissements impliqués"),
    )

    class Meta:
        ordering = ["kind", "title"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")

    def __str__(self) -> str:
        return self.title


class InitiativeDepartment(models.Model):
    """A département an initiative took place in, by INSEE code (the seed loads before any
    département is imported, so the code is kept rather than a foreign key)."""

    initiative = models.ForeignKey(
        Initiative,
        on_delete=models.CASCADE,
        related_name="departments",
        verbose_name=_("initiative"),
    )
    department_code = models.CharField(_("code du département"), max_length=3)

    class Meta:
        ordering = ["initiative", "department_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "department_code"], name="initiative_department_once"
            )
        ]
        verbose_name = _("département d'une initiative")
        verbose_name_plural = _("départements d'une initiative")

    def __str__(self) -> str:
        return f"{self.initiative_id} {self.department_code}"

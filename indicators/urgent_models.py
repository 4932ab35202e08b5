"""Stored runs of urgent care within 30 minutes (issue 11 §3; ``indicators.urgent_services``).

Its own run, like the APL's: the figure is not one pathway level's nearest facility but the
nearest of several means (structure des urgences, SMUR and antennes, antenne de médecine
d'urgence, médecin correspondant du SAMU, héliSMUR), each with its own travel direction, and
each commune records which means is nearest — which ``IndicatorValue`` has no place for.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class UrgentMeans(models.TextChoices):
    """The means the national indicator counts, in the order a tie is settled."""

    SU = "su", _("Structure des urgences")
    SMUR = "smur", _("SMUR ou antenne de SMUR")
    AMU = "amu", _("Antenne de médecine d'urgence")
    MCS = "mcs", _("Médecin correspondant du SAMU")
    HELISMUR = "helismur", _("HéliSMUR")


class UrgentCareRun(models.Model):
    """One computation for a region. ``parameters``: the travel provider, the target, the
    direction of each means and the héliSMUR speed and take-off delay (None when not given:
    then no héliSMUR is counted); ``summary``: the places counted per means and the means not
    counted, with why."""

    region = models.ForeignKey(
        "territories.Region",
        on_delete=models.CASCADE,
        related_name="urgent_care_runs",
        verbose_name=_("région"),
    )
    provider = models.CharField(_("temps de trajet"), max_length=30)
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    summary = models.JSONField(_("résumé des données"), default=dict, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandé par"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("calcul de l'accès aux soins urgents")
        verbose_name_plural = _("calculs de l'accès aux soins urgents")

    def __str__(self) -> str:
        return f"Soins urgents #{self.pk} {self.region}"

    @property
    def target_minutes(self) -> float:
        return float(self.parameters.get("target_minutes", 30))


class UrgentCareValue(models.Model):
    """One commune of a run: its nearest means and minutes (NULL: none in reach, never 0),
    and the minutes without the antennes de médecine d'urgence (outside their hours)."""

    run = models.ForeignKey(
        UrgentCareRun, on_delete=models.CASCADE, related_name="values", verbose_name=_("calcul")
    )
    commune = models.ForeignKey(
        "territories.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )
    population = models.FloatField(_("population"))
    minutes = models.FloatField(_("temps d'accès (min)"), null=True, blank=True)
    means = models.CharField(
        _("moyen le plus proche"), max_length=10, choices=UrgentMeans.choices, blank=True
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("établissement le plus proche"),
    )
    resource = models.ForeignKey(
        "facilities.EmergencyResource",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("moyen hors établissement le plus proche"),
    )
    minutes_without_amu = models.FloatField(
        _("temps d'accès hors antennes de médecine d'urgence (min)"), null=True, blank=True
    )
    beyond = models.BooleanField(_("au-delà de la cible"))

    class Meta:
        ordering = ["run", "commune__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "commune"], name="urgent_value_unique_commune"),
            models.CheckConstraint(
                condition=Q(minutes__isnull=True, means="") | Q(minutes__isnull=False),
                name="urgent_value_means_when_reached",
            ),
        ]
        verbose_name = _("accès aux soins urgents d'une commune")
        verbose_name_plural = _("accès aux soins urgents des communes")

    def __str__(self) -> str:
        return f"{self.commune_id}: {self.minutes} min ({self.means})"


class UrgentCareGroupValue(models.Model):
    """A zone, département or the region in a run: population, population beyond the target
    (with every means, and without the antennes de médecine d'urgence), and the population
    each means is nearest to (``by_means``: {means code: population})."""

    class UnitKind(models.TextChoices):
        ZONE = "zone", _("Zone")
        DEPARTMENT = "department", _("Département")
        REGION = "region", _("Région")

    run = models.ForeignKey(
        UrgentCareRun,
        on_delete=models.CASCADE,
        related_name="group_values",
        verbose_name=_("calcul"),
    )
    unit_kind = models.CharField(_("type d'unité"), max_length=12, choices=UnitKind.choices)
    unit_code = models.CharField(_("code de l'unité"), max_length=30)
    zoning = models.ForeignKey(
        "territories.Zoning",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("zonage"),
    )
    population = models.FloatField(_("population"))
    population_beyond = models.FloatField(_("population au-delà de la cible"))
    share_beyond = models.FloatField(_("part au-delà de la cible"), null=True, blank=True)
    population_beyond_without_amu = models.FloatField(
        _("population au-delà de la cible hors antennes de médecine d'urgence")
    )
    by_means = models.JSONField(_("population par moyen le plus proche"), default=dict)

    class Meta:
        ordering = ["run", "unit_kind", "zoning", "unit_code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_kind="zone", zoning__isnull=False)
                | (~Q(unit_kind="zone") & Q(zoning__isnull=True)),
                name="urgent_group_zoning_exactly_for_zones",
            ),
        ]
        verbose_name = _("accès aux soins urgents d'un territoire")
        verbose_name_plural = _("accès aux soins urgents des territoires")

    def __str__(self) -> str:
        return f"{self.unit_kind} {self.unit_code}: {self.population_beyond}"

"""Stored indicator runs and their values: what every page, export and API reads.

A run records what was computed (region, pathway levels, provider and its parameters), from
which inputs (a fingerprint of the arrays given to the engine) and how it went (status,
progress, timings, error). Values belong to one run; pages read the latest *done* run of a
scope (``selectors.latest_run``), so a failed or running run never replaces it.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core import provenance
from core.jobs import JobStatus


class IndicatorRun(models.Model):
    Status = JobStatus

    region = models.ForeignKey(
        "territories.Region",
        on_delete=models.CASCADE,
        related_name="indicator_runs",
        verbose_name=_("région"),
    )
    # The schema issue adds a nullable ``scenario`` foreign key here.
    levels = models.ManyToManyField(
        "pathways.Level", related_name="indicator_runs", verbose_name=_("niveaux calculés")
    )
    provider = models.CharField(_("temps de trajet"), max_length=30)
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    fingerprint = models.CharField(_("empreinte des données"), max_length=64, blank=True)
    inputs_summary = models.JSONField(_("résumé des données"), default=dict, blank=True)
    #: The files the inputs were imported from, copied when the run starts (a list of
    #: ``core.provenance`` entries: kind, file, sha256, source date and edition…).
    inputs_provenance = models.JSONField(_("sources des données"), default=list, blank=True)
    # Set when the run starts (``pathways.selectors.level_state``): {level id: {"state":
    # "computed" | "approximated" | "missing", "label", "missing": [{"activity",
    # "modalities"}], "kinds", "files"}}. A missing level gets no value; an approximated one is
    # served by facility kind. Empty for runs made before states were recorded (all computed).
    level_states = models.JSONField(_("état des niveaux"), default=dict, blank=True)
    status = models.CharField(
        _("état"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    started_at = models.DateTimeField(_("commencé le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("fini le"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    chunks = models.JSONField(_("parties à calculer"), default=list, blank=True)
    chunks_done = models.JSONField(_("parties calculées"), default=list, blank=True)
    #: The work of the chunks, for a progress bar that moves by real units (level × the block
    #: of communes of one département): {"units": {chunk: communes}, "levels": n, "done":
    #: {chunk: levels finished}} (``indicators.services.work_progress``).
    work = models.JSONField(_("avancement des parties"), default=dict, blank=True)
    timings = models.JSONField(_("durées (s)"), default=dict, blank=True)
    error = models.TextField(_("erreur"), blank=True)
    # Fault handling (indicators.services.runs_reap): the parts of the run a worker holds now
    # ("start", "chunk 01", "finish") and the last beat of their workers; a held run whose
    # heartbeat is too old lost its worker. ``attempt`` counts the starts: tasks carry it, so
    # a message of an earlier attempt delivered late changes nothing.
    held = models.JSONField(_("parties en cours"), default=list, blank=True)
    heartbeat_at = models.DateTimeField(_("dernier signe de vie"), null=True, blank=True)
    attempt = models.PositiveSmallIntegerField(_("tentative"), default=1)
    stale = models.BooleanField(
        _("périmé"), default=False, help_text=_("Les données ont changé depuis ce calcul.")
    )
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
        indexes = [models.Index(fields=["region", "status", "-finished_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="indicator_run_progress_at_most_100"
            ),
        ]
        verbose_name = _("calcul d'indicateurs")
        verbose_name_plural = _("calculs d'indicateurs")

    def __str__(self) -> str:
        return f"#{self.pk} {self.region} ({self.get_status_display()})"

    @property
    def sources(self) -> str:
        """ "Sources : FINESS cs1100507 du 2026-03-01, …" ("" for a run without provenance)."""
        return provenance.describe(self.inputs_provenance)

    @property
    def sources_statement(self) -> str:
        """``sources``, or a sentence saying none were recorded (never empty)."""
        return provenance.statement(self.inputs_provenance)

    @property
    def parameter_rows(self) -> list[tuple[str, str]]:
        """The stored parameters as labelled sentences for the pages (``labels``)."""
        from .labels import parameter_rows

        return parameter_rows(self.parameters)

    def level_state_of(self, level_id: int) -> dict:
        """The recorded state of a level (``level_states``); computed if none was recorded."""
        return self.level_states.get(str(level_id)) or {"state": "computed", "missing": []}


class IndicatorValue(models.Model):
    """One figure of a run: an indicator of a unit (commune, zone, département, région),
    for a pathway level where it depends on one. ``value`` is NULL where the figure is
    undefined: no facility in reach (nearest time), or a zone without reachable population
    (mean time)."""

    class UnitKind(models.TextChoices):
        COMMUNE = "commune", _("Commune")
        ZONE = "zone", _("Zone")
        DEPARTMENT = "department", _("Département")
        REGION = "region", _("Région")

    class Indicator(models.TextChoices):
        POPULATION = "population", _("Population")
        NEAREST_MINUTES = "nearest_minutes", _("Temps d'accès au plus proche (min)")
        MEAN_MINUTES = "mean_minutes", _("Temps d'accès moyen pondéré (min)")
        POPULATION_BEYOND = "population_beyond", _("Population au-delà de la cible")
        SHARE_BEYOND = "share_beyond", _("Part de la population au-delà de la cible")
        POPULATION_BEYOND_SECOND = (
            "population_beyond_second",
            _("Population au-delà du second seuil"),
        )
        SHARE_BEYOND_SECOND = (
            "share_beyond_second",
            _("Part de la population au-delà du second seuil"),
        )
        DENSITY_PER_10K = "density_per_10k", _("Établissements pour 10 000 habitants")
        ACCESS_2SFCA = "access_2sfca", _("Accessibilité potentielle (2SFCA)")
        POPULATION_UNDERSERVED = "population_underserved", _("Population sous-dotée (2SFCA)")

    run = models.ForeignKey(
        IndicatorRun, on_delete=models.CASCADE, related_name="values", verbose_name=_("calcul")
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
    indicator = models.CharField(_("indicateur"), max_length=30, choices=Indicator.choices)
    level = models.ForeignKey(
        "pathways.Level",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("niveau"),
    )
    facility = models.ForeignKey(
        "facilities.Facility",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("établissement le plus proche"),
    )
    value = models.FloatField(_("valeur"), null=True, blank=True)
    #: The row's place in its run's list (``indicators.filters.VALUE_ORDER``), from 0: set
    #: once when the run's values are written (``services.write_values``), since a stored run
    #: never changes, so that a page of the run is read by position instead of skipping the
    #: rows before it (``OFFSET``). NULL where the writer did not number the rows (the
    #: ``bulk_create`` path): those runs are paged with ``OFFSET`` as before.
    position = models.PositiveIntegerField(_("rang dans le calcul"), null=True, editable=False)

    class Meta:
        indexes = [
            # A page of a run by position (``indicators.api.PositionedValues``); its last entry
            # is the run's number of values.
            models.Index(fields=["run", "position"], name="indicator_value_position"),
            # The order of the API list (indicators.filters.value_list), with the id, so that a
            # far page's ids are read from the index alone instead of sorting the whole run; its
            # prefix (run, indicator, level) serves the map layers.
            models.Index(
                fields=["run", "indicator", "level", "unit_kind", "zoning", "unit_code"],
                include=["id"],
                name="indicator_value_list_order",
            ),
            models.Index(fields=["run", "unit_kind", "unit_code"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_kind="zone", zoning__isnull=False)
                | (~Q(unit_kind="zone") & Q(zoning__isnull=True)),
                name="indicator_value_zoning_exactly_for_zones",
            ),
        ]
        verbose_name = _("valeur d'indicateur")
        verbose_name_plural = _("valeurs d'indicateurs")

    def __str__(self) -> str:
        return f"{self.unit_kind} {self.unit_code} {self.indicator} = {self.value}"


class AplRun(models.Model):
    """One computation of the DREES's APL to general practitioners for a region
    (``indicators.apl_services.apl_compute``; docs/indicators.md, "The APL of the DREES").

    Its own model rather than an ``IndicatorRun``: the APL is not a pathway level's figure, and
    each commune's value carries what it rests on (ages loaded or not, activity known or
    estimated, catchment complete or not), which ``IndicatorValue`` has no place for.
    ``parameters`` records the provider, the bands, the age weights with their source and the
    ETP → consultations factor; ``unit`` names the unit of every value of the run.
    """

    region = models.ForeignKey(
        "territories.Region",
        on_delete=models.CASCADE,
        related_name="apl_runs",
        verbose_name=_("région"),
    )
    provider = models.CharField(_("temps de trajet"), max_length=30)
    parameters = models.JSONField(_("paramètres"), default=dict, blank=True)
    unit = models.CharField(_("unité"), max_length=120)
    summary = models.JSONField(_("résumé des données"), default=dict, blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("calcul d'APL")
        verbose_name_plural = _("calculs d'APL")

    def __str__(self) -> str:
        return f"APL #{self.pk} {self.region}"

    @property
    def travel_text(self) -> str:
        """The travel times used, as the APL page says it (« à vol d'oiseau, 50 km/h »)."""
        from .labels import travel_text

        return travel_text(self.parameters.get("travel"))


class AplValue(models.Model):
    """The APL of one commune in one run, with what it rests on. ``value`` is NULL where the
    commune's population is not loaded (missing, never 0)."""

    run = models.ForeignKey(
        AplRun, on_delete=models.CASCADE, related_name="values", verbose_name=_("calcul")
    )
    commune = models.ForeignKey(
        "territories.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )
    population = models.FloatField(_("population"), null=True, blank=True)
    standardised_population = models.FloatField(_("population standardisée"), null=True, blank=True)
    value = models.FloatField(_("APL"), null=True, blank=True)
    ages_known = models.BooleanField(_("âges chargés"))
    estimated_supply = models.BooleanField(_("activité estimée"))
    incomplete_catchment = models.BooleanField(_("bassin incomplet"))

    class Meta:
        ordering = ["run", "commune__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "commune"], name="apl_value_unique_commune")
        ]
        verbose_name = _("APL d'une commune")
        verbose_name_plural = _("APL des communes")

    def __str__(self) -> str:
        return f"APL {self.commune_id} = {self.value}"


class AplZoneValue(models.Model):
    """The population-weighted mean APL of a zone (a territoire de vie-santé) in one run;
    NULL where a member commune has no APL (its population not loaded)."""

    run = models.ForeignKey(
        AplRun, on_delete=models.CASCADE, related_name="zone_values", verbose_name=_("calcul")
    )
    zone = models.ForeignKey(
        "territories.Zone", on_delete=models.CASCADE, related_name="+", verbose_name=_("zone")
    )
    population = models.FloatField(_("population"))
    value = models.FloatField(_("APL moyenne"), null=True, blank=True)
    communes_missing = models.PositiveIntegerField(_("communes sans APL"), default=0)
    communes_incomplete = models.PositiveIntegerField(_("communes au bassin incomplet"), default=0)

    class Meta:
        ordering = ["run", "zone__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "zone"], name="apl_zone_value_unique_zone")
        ]
        verbose_name = _("APL d'une zone")
        verbose_name_plural = _("APL des zones")

    def __str__(self) -> str:
        return f"APL zone {self.zone_id} = {self.value}"


class DreesApl(models.Model):
    """The APL to general practitioners that the DREES publishes per commune, for one year
    (``indicators.importers_drees``): shown next to ours with the difference."""

    commune = models.ForeignKey(
        "territories.Commune", on_delete=models.CASCADE, related_name="+", verbose_name=_("commune")
    )
    year = models.PositiveSmallIntegerField(_("année"))
    value = models.FloatField(_("APL publiée par la DREES"), null=True, blank=True)
    value_under_65 = models.FloatField(
        _("APL aux médecins de moins de 65 ans"), null=True, blank=True
    )
    standardised_population = models.FloatField(_("population standardisée"), null=True, blank=True)

    class Meta:
        ordering = ["commune", "year"]
        constraints = [
            models.UniqueConstraint(fields=["commune", "year"], name="drees_apl_unique_per_year")
        ]
        verbose_name = _("APL publiée par la DREES")
        verbose_name_plural = _("APL publiées par la DREES")

    def __str__(self) -> str:
        return f"DREES APL {self.commune_id} {self.year} = {self.value}"


# Urgent care within 30 minutes (issue 11 §3) and patient flows with the PMSI geographic codes
# (issue 13 §3), each in its own module.
from .flows_models import PatientFlow, PmsiGeoCommune  # noqa: E402
from .urgent_models import UrgentCareGroupValue, UrgentCareRun, UrgentCareValue  # noqa: E402

__all__ = [
    "AplRun",
    "AplValue",
    "AplZoneValue",
    "DreesApl",
    "IndicatorRun",
    "IndicatorValue",
    "PatientFlow",
    "PmsiGeoCommune",
    "UrgentCareGroupValue",
    "UrgentCareRun",
    "UrgentCareValue",
]

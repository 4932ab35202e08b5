"""Administrative units (région, département, commune) and planning zonings made of communes.

Codes follow INSEE's Code Officiel Géographique (COG) and are kept as strings: leading zeros
matter, and Corsica uses ``2A``/``2B``. Geometries are stored in WGS84 (SRID 4326); distances
are always computed in metres (geography or Lambert 93), never in degrees.
"""

from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    chief_town_code = models.CharField(_("chef-lieu (code commune)"), max_length=5, blank=True)
    geometry = models.MultiPolygonField(_("géométrie"), srid=4326, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("région")
        verbose_name_plural = _("régions")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Department(models.Model):
    code = models.CharField(_("code INSEE"), max_length=3, unique=True)
    name = models.CharField(_("nom"), max_length=120)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="departments",
        null=True,
        blank=True,
        verbose_name=_("région"),
    )
    chief_town_code = models.CharField(_("chef-lieu (code commune)"), max_length=5, blank=True)
    geometry = models.MultiPolygonField(_("géométrie"), srid=4326, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("département")
        verbose_name_plural = _("départements")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Commune(models.Model):
    """A commune of the COG: the population unit of every indicator.

    ``geometry`` is the full-resolution polygon; ``map_geometry`` a simplified copy for maps
    (shared edges kept, so neighbours still touch) and ``low_zoom_map_geometry`` a coarser one
    for maps at low zooms (``territories.geometry.low_zoom_map_geometries``); ``point`` a
    representative point that is
    always inside the polygon (used as the commune's origin for travel times).
    A commune may lack a polygon (e.g. a commune re-established after the polygon's vintage).
    """

    code = models.CharField(_("code INSEE"), max_length=5, unique=True)
    name = models.CharField(_("nom"), max_length=150)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="communes", verbose_name=_("département")
    )
    population = models.PositiveIntegerField(_("population municipale"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(
        _("année de référence de la population"), null=True, blank=True
    )
    geometry = models.MultiPolygonField(_("géométrie"), srid=4326, null=True, blank=True)
    map_geometry = models.MultiPolygonField(
        _("géométrie simplifiée (cartes)"), srid=4326, null=True, blank=True
    )
    low_zoom_map_geometry = models.MultiPolygonField(
        _("géométrie simplifiée (cartes à petite échelle)"), srid=4326, null=True, blank=True
    )
    point = models.PointField(_("point représentatif"), srid=4326, null=True, blank=True)

    class Meta:
        ordering = ["code"]
        indexes = [
            # The order of the API list with the id: a far page's ids are read from the index
            # alone (core.pagination.IdsFirstMixin), not by sorting the whole table.
            models.Index(fields=["code"], include=["id"], name="commune_list_order"),
        ]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class MunicipalDistrict(models.Model):
    """An arrondissement municipal (Paris, Lyon, Marseille), e.g. Lyon 3e = 69383.

    Kept apart from ``Commune`` on purpose: its population is already counted in its parent
    commune (Lyon 69123), so summing districts and communes would count people twice. FINESS
    records in those cities use district codes; they resolve to the parent commune.
    """

    code = models.CharField(_("code INSEE"), max_length=5, unique=True)
    name = models.CharField(_("nom"), max_length=150)
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="districts", verbose_name=_("commune")
    )
    population = models.PositiveIntegerField(_("population municipale"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("arrondissement municipal")
        verbose_name_plural = _("arrondissements municipaux")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class FormerCommuneCode(models.Model):
    """A commune code of an earlier COG that now belongs to ``commune``: the ``anciens_codes``
    of the INSEE population file (a commune nouvelle keeps the codes of the communes it
    absorbed). Files on another COG year are read through it, so that their communes find
    their current one."""

    code = models.CharField(_("ancien code INSEE"), max_length=5)
    commune = models.ForeignKey(
        Commune,
        on_delete=models.CASCADE,
        related_name="former_codes",
        verbose_name=_("commune actuelle"),
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "commune"], name="former_code_unique_per_commune"
            )
        ]
        verbose_name = _("ancien code commune")
        verbose_name_plural = _("anciens codes commune")

    def __str__(self) -> str:
        return f"{self.code} → {self.commune_id}"


class CommunePopulationByAge(models.Model):
    """One commune's population by age and sex in one census reference year, as the INSEE
    commune file "Évolution et structure de la population" (``base-cc-evol-struct-pop``)
    gives it.

    ``counts`` keeps every age band and sex count the file has, keyed by the variable name
    without its year prefix (``POP0014``, ``H75P``, ``F1529``, ``POP7589``…): the bands
    changed between editions, so none is invented or dropped. The values are the census
    figures, fractional where INSEE weights a sample survey (communes of 10,000 and more).
    """

    commune = models.ForeignKey(
        Commune,
        on_delete=models.CASCADE,
        related_name="populations_by_age",
        verbose_name=_("commune"),
    )
    year = models.PositiveSmallIntegerField(_("année de référence du recensement"))
    population = models.FloatField(_("population (recensement)"))
    #: Women aged 15 to 44 (F1529 + F3044): the perinatal denominator.
    women_15_44 = models.FloatField(_("femmes de 15 à 44 ans"), null=True, blank=True)
    counts = models.JSONField(_("effectifs par âge et sexe"), default=dict)

    class Meta:
        ordering = ["commune", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["commune", "year"], name="population_by_age_unique_per_year"
            )
        ]
        verbose_name = _("population par âge et sexe")
        verbose_name_plural = _("populations par âge et sexe")

    def __str__(self) -> str:
        return f"{self.commune_id} RP {self.year}"


class Zoning(models.Model):
    """A named partition (possibly partial) of a region's communes into zones of one kind."""

    class Kind(models.TextChoices):
        SCHEMA = "schema", _("Zones du schéma régional")
        GHT = "ght", _("Territoires de GHT")
        CPTS = "cpts", _("Territoires de CPTS")
        LIVING_AREA = "living_area", _("Bassins de vie")
        HEALTH_LIVING_AREA = "tvs", _("Territoires de vie-santé")
        HEALTH_DEMOCRACY = "democracy", _("Territoires de démocratie sanitaire")
        PSYCHIATRY = "psychiatry", _("Secteurs de psychiatrie")
        OTHER = "other", _("Autre")

    class Status(models.TextChoices):
        IN_USE = "in_use", _("En usage")
        DRAFT = "draft", _("Brouillon (proposé)")

    region = models.ForeignKey(
        Region, on_delete=models.CASCADE, related_name="zonings", verbose_name=_("région")
    )
    name = models.CharField(_("nom"), max_length=150)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.SCHEMA)
    description = models.TextField(_("description"), blank=True)
    #: A zoning proposed from evidence (``indicators.zoning_proposals``) is a draft until a
    #: planner adopts it; it is a zoning like any other (a schema version may use it).
    status = models.CharField(
        _("statut"), max_length=10, choices=Status.choices, default=Status.IN_USE
    )
    #: How a proposed zoning was made: method, parameters, inputs (flows edition or the
    #: surrogate level), timings and each zone's internal-flow share; empty otherwise.
    proposal = models.JSONField(_("méthode de la proposition"), default=dict, blank=True)

    class Meta:
        ordering = ["region", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="zoning_unique_name_per_region")
        ]
        verbose_name = _("zonage")
        verbose_name_plural = _("zonages")

    def __str__(self) -> str:
        return self.name


class Zone(models.Model):
    """A planning zone made of whole communes.

    ``geometry`` and ``population`` are derived from the member communes by
    ``territories.services.zone_refresh`` and never edited by hand.
    """

    zoning = models.ForeignKey(
        Zoning, on_delete=models.CASCADE, related_name="zones", verbose_name=_("zonage")
    )
    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("nom"), max_length=150)
    communes = models.ManyToManyField(
        Commune,
        through="ZoneMembership",
        related_name="zones",
        blank=True,
        verbose_name=_("communes"),
    )
    population = models.PositiveIntegerField(_("population"), default=0, editable=False)
    geometry = models.MultiPolygonField(
        _("géométrie"), srid=4326, null=True, blank=True, editable=False
    )
    map_geometry = models.MultiPolygonField(
        _("géométrie simplifiée (cartes)"), srid=4326, null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["zoning", "code"]
        constraints = [
            models.UniqueConstraint(fields=["zoning", "code"], name="zone_unique_code_per_zoning")
        ]
        verbose_name = _("zone")
        verbose_name_plural = _("zones")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ZoneMembership(models.Model):
    """A commune in a zone; ``zoning`` is repeated so that a commune sits in one zone per zoning."""

    zoning = models.ForeignKey(
        Zoning, on_delete=models.CASCADE, related_name="+", verbose_name=_("zonage")
    )
    zone = models.ForeignKey(
        Zone, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("zone")
    )
    commune = models.ForeignKey(
        Commune, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("commune")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["zoning", "commune"], name="commune_in_one_zone_per_zoning"
            ),
        ]
        verbose_name = _("appartenance à une zone")
        verbose_name_plural = _("appartenances aux zones")

    def __str__(self) -> str:
        return f"{self.commune_id} → {self.zone_id}"

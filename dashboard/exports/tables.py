"""The tables exports write: stored indicator values and the facility registry of a region, read
through the API's own list selectors (``indicators.filters.value_list``,
``pathways.filters.facility_list``) so that an export and the API show the same rows, and
the metadata that says where the figures come from."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import provenance
from facilities.models import Facility
from indicators.display import shown_value
from indicators.filters import value_list
from indicators.models import IndicatorRun, IndicatorValue
from indicators.selectors import latest_run
from indicators.weights import run_weight_note, weight_data
from pathways.filters import facility_list
from pathways.models import Level
from pathways.selectors import state_label, state_sentence
from sros.models import SchemaVersion
from territories.models import Commune, Region, Zone, Zoning
from territories.selectors import loaded_departments, region_label

UnitKind = IndicatorValue.UnitKind
Indicator = IndicatorValue.Indicator

#: ``CODE``: text whose leading zeros matter (INSEE, FINESS, postcode), kept as text in Excel.
TEXT, CODE, NUMBER, INTEGER, DATE = "text", "code", "number", "integer", "date"


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # lazy translation
    kind: str = TEXT


@dataclass
class Table:
    """Rows of typed cells, with the metadata of the header sheet and a file name stem."""

    stem: str
    columns: list[Column]
    rows: list[tuple]
    metadata: list[tuple[str, object]] = field(default_factory=list)
    #: ``core.provenance`` entries of the data (the run's copy, or the registry's files now)
    sources: list[dict] = field(default_factory=list)
    run: IndicatorRun | None = None


class ExportError(ValueError):
    """A filter the export cannot honour (shown to the user as a 400)."""


# --- which run, which units -----------------------------------------------------------------


def export_run(region: Region, run_id: str | None) -> IndicatorRun | None:
    """The chosen done run of ``region``, or its latest done run (``latest_run``)."""
    if not run_id:
        return latest_run(region)
    if not run_id.isdigit():
        raise ExportError(_("Numéro de calcul invalide : %(run)s") % {"run": run_id})
    return IndicatorRun.objects.filter(
        region=region, status=IndicatorRun.Status.DONE, pk=int(run_id)
    ).first()


@dataclass(frozen=True)
class Units:
    """The units of an export: communes, départements, the zones of a zoning, or the region."""

    kind: str  # an IndicatorValue.UnitKind
    zoning: Zoning | None = None

    @property
    def slug(self) -> str:
        return f"zones-{self.zoning.pk}" if self.zoning else str(self.kind)


def read_units(region: Region, value: str | None) -> Units:
    """``units`` as the map names them: "communes", "departements", "region" or a zoning id."""
    if value in (None, "", "communes"):
        return Units(UnitKind.COMMUNE)
    if value == "departements":
        return Units(UnitKind.DEPARTMENT)
    if value == "region":
        return Units(UnitKind.REGION)
    zoning = Zoning.objects.filter(region=region, pk=value).first() if value.isdigit() else None
    if zoning is None:
        raise ExportError(_("Unités inconnues : %(units)s") % {"units": value})
    return Units(UnitKind.ZONE, zoning)


def unit_names(region: Region, units: Units) -> dict[str, str]:
    if units.kind == UnitKind.COMMUNE:
        rows = Commune.objects.filter(department__region=region).values_list("code", "name")
    elif units.kind == UnitKind.DEPARTMENT:
        rows = loaded_departments(region).values_list("code", "name")
    elif units.kind == UnitKind.ZONE:
        rows = Zone.objects.filter(zoning=units.zoning).values_list("code", "name")
    else:
        return {region.code: region_label(region)}
    return dict(rows)


# --- indicator values -----------------------------------------------------------------------

VALUE_COLUMNS = [
    Column("run", gettext_lazy("Calcul n°"), INTEGER),
    Column("unit_kind", gettext_lazy("Type d'unité")),
    Column("code", gettext_lazy("Code de l'unité"), CODE),
    Column("name", gettext_lazy("Nom de l'unité")),
    Column("zoning", gettext_lazy("Zonage")),
    Column("indicator", gettext_lazy("Indicateur (code)")),
    Column("indicator_label", gettext_lazy("Indicateur")),
    Column("pathway", gettext_lazy("Filière (code)")),
    Column("level", gettext_lazy("Niveau (code)")),
    Column("level_id", gettext_lazy("Niveau (id)"), INTEGER),
    Column("level_state", gettext_lazy("État du niveau")),
    Column("value", gettext_lazy("Valeur"), NUMBER),
    Column("population", gettext_lazy("Population de l'unité"), NUMBER),
    Column("facility", gettext_lazy("Établissement le plus proche (n° FINESS ET)"), CODE),
    # Whom the level's figures count: "total", "women_15_44" (F1529 + F3044), or "mixed"
    # (women where the ages are loaded, total population elsewhere); docs/indicators.md.
    Column("population_weight", gettext_lazy("Population de référence du niveau")),
]


@dataclass(frozen=True)
class ValueQuery:
    """The filters of an indicator export, read from a query string."""

    units: Units
    indicator: str = ""
    level: str = ""
    department: str = ""

    def as_filters(self, run: IndicatorRun) -> dict[str, str]:
        """The API's filters (``indicators.filters.IndicatorValueFilter``) for these values."""
        filters = {"run": str(run.pk), "unit_kind": self.units.kind}
        if self.units.zoning is not None:
            filters["zoning"] = str(self.units.zoning.pk)
        if self.indicator:
            filters["indicator"] = self.indicator
        if self.level:
            filters["level"] = self.level
        return filters

    def shown(self) -> dict[str, str]:
        """The filters as the header sheet lists them."""
        return {
            "units": self.units.slug,
            "indicator": self.indicator or _("tous"),
            "level": self.level or _("tous"),
            "department": self.department or _("tous"),
        }


def read_value_query(region: Region, params: Mapping[str, str]) -> ValueQuery:
    return ValueQuery(
        units=read_units(region, params.get("units")),
        indicator=params.get("indicator", ""),
        level=params.get("level", ""),
        department=params.get("department", ""),
    )


def value_rows(run: IndicatorRun, query: ValueQuery) -> QuerySet[IndicatorValue]:
    """The stored values of ``run`` the query selects, as the API lists them (one query)."""
    try:
        values = value_list(query.as_filters(run))
    except ValidationError as error:
        raise ExportError("; ".join(error.messages)) from error
    if query.department:
        if query.units.kind == UnitKind.COMMUNE:
            codes = Commune.objects.filter(department__code=query.department).values("code")
            values = values.filter(unit_code__in=codes)
        elif query.units.kind == UnitKind.DEPARTMENT:
            values = values.filter(unit_code=query.department)
    return values


def populations(run: IndicatorRun, units: Units) -> dict[str, float | None]:
    return dict(
        IndicatorValue.objects.filter(
            run=run, unit_kind=units.kind, zoning=units.zoning, indicator=Indicator.POPULATION
        ).values_list("unit_code", "value")
    )


def value_table(region: Region, run: IndicatorRun, query: ValueQuery, user) -> Table:
    """Every stored value the query selects, with its unit's name and population (four
    queries whatever the number of rows), each rounded as the pages show it
    (``indicators.display.shown_value``: the CSV and XLSX carry the page's figures; the API,
    GeoJSON and GeoPackage keep every digit)."""
    names = unit_names(region, query.units)
    population = populations(run, query.units)
    labels = dict(Indicator.choices)
    zoning = query.units.zoning.name if query.units.zoning else ""
    rows = [
        (
            run.pk, v.unit_kind, v.unit_code, names.get(v.unit_code, ""), zoning, v.indicator,
            str(labels.get(v.indicator, v.indicator)), v.pathway_code or "", v.level_code or "",
            v.level_id, level_state_code(run, v.level_id), shown_value(v.indicator, v.value),
            shown_value(Indicator.POPULATION, population.get(v.unit_code)),
            v.facility_finess or "", level_weight_code(run, v.level_id),
        )
        for v in value_rows(run, query)
    ]  # fmt: skip
    metadata = run_metadata(region, run, query.shown(), user)
    stem = value_stem(region, run, query)
    return Table(stem, VALUE_COLUMNS, rows, metadata, run.inputs_provenance, run)


def value_stem(region: Region, run: IndicatorRun, query: ValueQuery) -> str:
    """The file name says region, run and filters (the CSV carries no other metadata)."""
    parts = [
        "indicateurs", region.code, f"calcul{run.pk}", query.units.slug, query.indicator,
        f"niveau{query.level}" if query.level else "", query.department,
    ]  # fmt: skip
    return _safe("-".join(part for part in parts if part))


# --- facilities -----------------------------------------------------------------------------

FACILITY_COLUMNS = [
    Column("finess_et", gettext_lazy("N° FINESS ET"), CODE),
    Column("finess_ej", gettext_lazy("N° FINESS EJ"), CODE),
    Column("name", gettext_lazy("Raison sociale")),
    Column("kind", gettext_lazy("Type (code)")),
    Column("kind_label", gettext_lazy("Type")),
    Column("category_code", gettext_lazy("Catégorie FINESS (code)"), CODE),
    Column("category_label", gettext_lazy("Catégorie FINESS")),
    Column("sector", gettext_lazy("Secteur")),
    Column("status", gettext_lazy("État")),
    Column("address", gettext_lazy("Adresse")),
    Column("postcode", gettext_lazy("Code postal"), CODE),
    Column("city", gettext_lazy("Ville")),
    Column("commune", gettext_lazy("Commune (code)"), CODE),
    Column("department", gettext_lazy("Département (code)"), CODE),
    Column("source", gettext_lazy("Source")),
    Column("source_date", gettext_lazy("Date de la source"), DATE),
    Column("longitude", gettext_lazy("Longitude (WGS84)"), NUMBER),
    Column("latitude", gettext_lazy("Latitude (WGS84)"), NUMBER),
]
FACILITY_FILTERS = ("department", "zone", "kind", "status", "level", "search", "in_bbox")


def read_bbox(value: str | None) -> Polygon | None:
    """``in_bbox=min lon,min lat,max lon,max lat`` as the API reads it."""
    if not value:
        return None
    try:
        xmin, ymin, xmax, ymax = (float(v) for v in value.split(","))
    except ValueError as error:
        raise ExportError(_("Emprise invalide : %(bbox)s") % {"bbox": value}) from error
    return Polygon.from_bbox((xmin, ymin, xmax, ymax))


def facility_rows(region: Region, params) -> QuerySet[Facility]:
    """The region's facilities through the API's FacilityFilter and bbox (one query)."""
    data = params.copy() if hasattr(params, "copy") else dict(params)
    try:
        facilities = facility_list(data).filter(commune__department__region=region)
    except ValidationError as error:
        raise ExportError("; ".join(error.messages)) from error
    bbox = read_bbox(params.get("in_bbox"))
    if bbox is not None:
        facilities = facilities.filter(point__intersects=bbox)
    return facilities


def facility_table(region: Region, params, user) -> Table:
    kinds = dict(Facility.Kind.choices)
    rows = [
        (
            f.finess_et, f.finess_ej, f.name, f.kind, str(kinds.get(f.kind, f.kind)),
            f.category_code, f.category_label, f.sector, f.status, f.address, f.postcode, f.city,
            f.commune_code or "", f.department_code or "", f.source, f.source_date,
            f.point.x if f.point else None, f.point.y if f.point else None,
        )
        for f in facility_rows(region, params)
    ]  # fmt: skip
    shown = {
        name: ",".join(params.getlist(name)) if hasattr(params, "getlist") else params[name]
        for name in FACILITY_FILTERS
        if params.get(name)
    }
    metadata = [
        (_("Région"), f"{region.code} {region_label(region)}"),
        (_("Données"), _("Registre des établissements (FINESS, GISCO)")),
        *source_rows(sources := facility_sources(region)),
        *[(_("Filtre : %(name)s") % {"name": k}, v) for k, v in shown.items()],
        *_export_stamp(user),
    ]
    stem = "-".join(["etablissements", region.code, *[shown[k] for k in sorted(shown)]])
    return Table(_safe(stem), FACILITY_COLUMNS, rows, metadata, sources)


# --- metadata -------------------------------------------------------------------------------


def level_state_code(run: IndicatorRun, level_id: int | None) -> str:
    """The state the run recorded for a level ("computed", "approximated", "missing"); "" for
    a value of no level."""
    if level_id is None:
        return ""
    return run.level_state_of(level_id).get("state", "computed")


def level_weight_code(run: IndicatorRun, level_id: int | None) -> str:
    """Whom the run's figures of a level count ("total", "women_15_44" or "mixed"); "" for a
    value of no level."""
    if level_id is None:
        return ""
    data = weight_data(run, level_id)
    return data.get("used", "total") if data else "total"


def level_weight_text(run: IndicatorRun, level_id: int) -> str:
    """The weight of a level's figures in words ("" for a level counting everyone)."""
    note = run_weight_note(run, level_id)
    return note.sentence if note else ""


def level_state_text(run: IndicatorRun, level_id: int) -> str:
    """The state of a level in words: its name, and for an approximated or missing level what
    is missing and which file to load."""
    data = run.level_state_of(level_id)
    sentence = state_sentence(data)
    return sentence or str(state_label(data.get("state", "computed")))


def run_metadata(region: Region, run: IndicatorRun, filters: dict, user) -> list[tuple]:
    """Which run (id, region, dates, provider, parameters, inputs), which schema version was in
    force, which filters, and when the export was made."""
    levels = Level.objects.filter(indicator_runs=run).annotate(pathway_name=F("pathway__name"))
    version = (
        SchemaVersion.objects.filter(schema__region=region, state=SchemaVersion.State.ADOPTED)
        .order_by("-number")
        .first()
    )
    rows: list[tuple] = [
        (_("Région"), f"{region.code} {region_label(region)}"),
        (_("Calcul n°"), run.pk),
        (_("Calcul créé le"), run.created_at),
        (_("Calcul terminé le"), run.finished_at),
        (_("Temps de trajet (fournisseur)"), run.provider),
        *[(_("Paramètre : %(name)s") % {"name": k}, _plain(v)) for k, v in run.parameters.items()],
        (_("Empreinte des données"), run.fingerprint),
        (_("Calcul périmé (données modifiées depuis)"), _("oui") if run.stale else _("non")),
        *[
            (_("Données : %(name)s") % {"name": k}, _plain(v))
            for k, v in run.inputs_summary.items()
        ],
        *source_rows(run.inputs_provenance),
        *[
            (
                _("Niveau %(id)s") % {"id": level.pk},
                " — ".join(
                    part
                    for part in (
                        level.pathway_name,
                        level.name,
                        level_state_text(run, level.pk),
                        level_weight_text(run, level.pk),
                        level.target_source,
                    )
                    if part
                ),
            )
            for level in levels.order_by("pathway__order", "pathway__code", "rank")
        ],
        (_("Version du schéma en vigueur"), str(version) if version else _("aucune adoptée")),
        *[(_("Filtre : %(name)s") % {"name": k}, v) for k, v in filters.items()],
        *_export_stamp(user),
    ]
    return rows


def facility_sources(region: Region) -> list[dict]:
    """The provenance of the registry a facility export reads (no run: the files imported for
    the region now, as a run started now would copy them)."""
    return provenance.collect(region_id=region.pk)


def source_rows(entries: list[dict]) -> list[tuple]:
    """The « Sources » row (a sentence, saying so when nothing was recorded), then one row per
    file: its kind, name and sha256."""
    return [
        (_("Sources"), provenance.statement(entries)),
        *[
            (
                _("Source : %(kind)s") % {"kind": entry.get("kind", "")},
                f"{entry.get('file', '')} sha256:{entry.get('sha256', '')}",
            )
            for entry in entries
        ],
    ]


def _export_stamp(user) -> list[tuple]:
    return [
        (_("Exporté le"), timezone.now()),
        (_("Exporté par"), user.get_username()),
    ]


def _plain(value) -> object:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _safe(stem: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)


def local(value: dt.datetime) -> dt.datetime:
    """A naive local time (Excel cells have no time zone)."""
    return timezone.localtime(value).replace(tzinfo=None)

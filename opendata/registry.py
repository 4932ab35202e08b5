"""The importers' registry: each KIND of official file and the function that reads it.

The importers themselves live with their models (``territories.importers``,
``facilities.importers``); this is the one list the command, the directory loader and the
Imports page go through.
"""

from importlib import import_module

#: KIND → importer function ("module:function"); each takes a path and returns an ImportReport.
IMPORTERS = {
    "regions": "territories.importers:import_regions",
    "departments": "territories.importers:import_departments",
    "communes": "territories.importers:import_communes",
    "communes-fill": "territories.importers:import_missing_commune_polygons",
    "population": "territories.importers:import_population",
    "population-age": "territories.importers_census:import_population_by_age",
    "zoning": "territories.importers_zoning:import_zoning",
    "finess-ej": "facilities.importers:import_finess_legal_entities",
    "finess": "facilities.importers:import_finess",
    "gisco-hospitals": "facilities.importers:import_gisco_hospitals",
    "authorisations": "facilities.importers:import_authorisations",
    "finess-authorisations": "facilities.importers:import_finess_authorisations",
    "finess-plus-activites": "facilities.importers:import_finess_plus_activities",
    "annuaire-sante": "facilities.importers_annuaire:import_annuaire",
    "drees-apl": "indicators.importers_drees:import_drees_apl",
    "pmsi-codes-geo": "indicators.importers_flows:import_pmsi_geo_codes",
    "patient-flows": "indicators.importers_flows:import_patient_flows",
    "mcs": "facilities.importers_emergency:import_mcs",
    "helismur": "facilities.importers_emergency:import_helismur",
}

#: Kinds whose importer takes ``full`` (``import_open_data --full``): files that end what they
#: no longer list, refused when they cover much less than what is loaded.
FULL_KINDS = frozenset({"finess-authorisations", "finess-plus-activites"})

#: Kinds whose every row lies in one region (authorisations, zonings, professionals, MCS
#: lists): a planner may upload them for their region, each row checked to be in it
#: (``opendata.scope``); the other kinds are national or reference files, uploaded by
#: administrators only (issue 12 §2).
REGION_KINDS = frozenset({"authorisations", "zoning", "annuaire-sante", "mcs"})


def importer_for(kind: str):
    module, function = IMPORTERS[kind].split(":")
    return getattr(import_module(module), function)

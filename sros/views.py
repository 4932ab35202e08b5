"""Project-level pages."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import maps, selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The loaded region on a map, with its totals and facilities per kind.

    A fixed number of queries whatever the size of the region; an empty database shows how to
    load the demo data instead of a map.
    """
    overview = selectors.overview()
    context = {
        "overview": overview,
        "kinds": maps.kind_legend(overview.count_by_kind),
        "map": None,
        "population_legend": [],
    }
    if overview.commune_count or overview.facility_count:
        context["map"], context["population_legend"] = maps.home_map(
            selectors.map_communes(),
            selectors.map_facilities(),
            selectors.map_department_outlines(),
            overview.extent,
        )
    return render(request, "home.html", context)

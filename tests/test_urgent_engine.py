"""Urgent care within 30 minutes in the engine (issue 11 §3): the nearest of several means,
each in its own direction; a SMUR's time runs from its base on the forward road graph, which
a one-way street makes differ from the commune → base time."""

import numpy as np
import pytest

from indicators.engine import StepWeights
from indicators.engine.measures import NearestAccess
from indicators.engine.travel import NO_DESTINATION, Places, outbound, provider_from_parameters
from indicators.engine.travel.crowfly import CrowFly
from indicators.engine.travel.helismur import HeliSmurFlight
from indicators.engine.travel.osm import BOTH, FORWARD, Edges
from indicators.engine.travel.road import RoadProvider
from indicators.engine.urgent import Means, means_beyond, urgent_access
from indicators.engine.whatif import WhatIf

COMMUNE = (7.00, 44.00)
BASE = (7.01, 44.00)
DETOUR = (7.005, 44.05)


def places(lonlat, prefix="p"):
    lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    ids = np.array([f"{prefix}{i}" for i in range(len(lonlat))], dtype=object)
    return Places(ids, lonlat[:, 0], lonlat[:, 1])


@pytest.fixture
def one_way():
    """Commune (node 0) and SMUR base (node 1) 800 m apart on a one-way street driven from the
    base to the commune at 30 km/h (1.6 min); the way back is a 2 × 6 km two-way road through
    node 2 at 60 km/h (12 min)."""
    edges = Edges(
        lon=np.array([COMMUNE[0], BASE[0], DETOUR[0]]),
        lat=np.array([COMMUNE[1], BASE[1], DETOUR[1]]),
        u=np.array([1, 0, 2]),
        v=np.array([0, 2, 1]),
        length_m=np.array([800.0, 6000.0, 6000.0]),
        speed_kmh=np.array([30.0, 60.0, 60.0]),
        oneway=np.array([FORWARD, BOTH, BOTH], dtype=object),
    )
    return RoadProvider.from_edges(edges, "sens-unique", "fixture")


def test_a_smur_time_runs_from_its_base_down_the_one_way_street(one_way):
    commune, base = places([COMMUNE], "c"), places([BASE], "b")

    access = urgent_access(
        commune,
        [
            Means("su", base, one_way, from_base=False),  # the patient drives to the site
            Means("smur", base, one_way, from_base=True),  # the team leaves its base
        ],
    )

    su, smur = access.minutes[0]
    assert smur == pytest.approx(1.6)  # base → commune: the one-way street
    assert su == pytest.approx(12.0)  # commune → base: the street cannot be driven back
    assert access.nearest_means.tolist() == [1] and access.nearest_minutes[0] == pytest.approx(1.6)
    assert access.exact_direction == (True, True)


def test_the_outbound_view_keeps_the_network_and_records_its_direction(one_way):
    view, exact = outbound(one_way)
    assert exact and view.graph_hash() == one_way.graph_hash()
    assert view.parameters()["direction"] == "from_destination"
    assert "direction" not in one_way.parameters()
    with pytest.raises(ValueError):
        view.outbound()
    # Crow-fly and a flight are the same both ways; an imported matrix cannot be turned round.
    crow = CrowFly()
    assert outbound(crow) == (crow, True)


def test_an_outbound_road_is_rebuilt_from_its_parameters(one_way, tmp_path):
    one_way.save(RoadProvider.cache_path("sens-unique", tmp_path))
    view, _exact = outbound(one_way)
    rebuilt = provider_from_parameters(view.parameters(), road_cache_dir=tmp_path)
    minutes, _index = rebuilt.nearest(places([COMMUNE]), places([BASE]), 1)
    assert minutes[0, 0] == pytest.approx(1.6)


def test_the_nearest_means_and_the_population_beyond_30_minutes_per_group():
    crow = CrowFly(detour=1.0, speed_kmh=60.0)  # 1 km a minute
    # Three communes on a parallel, 0, 20 and 45 km east of an SU; an héliSMUR at 45 km east.
    east = [(5.0 + dx / 78.7, 45.0) for dx in (0.0, 20.0, 45.0)]
    communes = places(east, "c")
    su = places([east[0]], "su")
    heli = places([(east[2][0] + 0.3, 45.0)], "hs")  # ~24 km beyond the third commune
    flight = HeliSmurFlight(speed_kmh=240.0, takeoff_minutes=10.0)

    access = urgent_access(communes, [Means("su", su, crow), Means("helismur", heli, flight, True)])
    groups = means_beyond(
        access, np.array([100.0, 200.0, 400.0]), np.array([0, 0, 1]), 2, 30.0,
        excluded=["helismur"],
    )  # fmt: skip

    assert access.names == ("su", "helismur")
    assert access.nearest_means.tolist() == [0, 0, 1]  # the third: 10 + 24/4 = 16 min by air
    assert access.minutes[2, 0] > 30 and access.nearest_minutes[2] < 30
    assert groups.beyond.population_beyond.tolist() == [0.0, 0.0]
    assert groups.beyond_without.population_beyond.tolist() == [0.0, 400.0]
    assert groups.by_means.tolist() == [[300.0, 0.0], [0.0, 400.0]]


def test_no_means_at_all_leaves_every_commune_unreachable_and_beyond():
    communes = places([COMMUNE, BASE])
    access = urgent_access(communes, [])
    assert np.isinf(access.nearest_minutes).all()
    assert access.nearest_means.tolist() == [-1, -1]
    assert access.nearest_place.tolist() == [NO_DESTINATION] * 2
    groups = means_beyond(access, np.array([5.0, 7.0]), np.array([0, 0]), 1, 30.0)
    assert groups.beyond.population_beyond.tolist() == [12.0]


def test_a_candidate_opened_on_stored_times_needs_one_provider_call():
    crow = CrowFly(detour=1.0, speed_kmh=60.0)
    communes = places([(5.0, 45.0), (5.5, 45.0), (6.0, 45.0)], "c")
    before = np.array([[10.0], [45.0], [np.inf]])
    baseline = WhatIf.from_nearest(
        crow, communes, places([], "x"), np.array([1.0, 2.0, 3.0]),
        NearestAccess(before, np.full((3, 1), NO_DESTINATION)), StepWeights(((30.0, 1.0),)),
    )  # fmt: skip

    after = baseline.open(places([(5.9, 45.0)], "mcs")).nearest.first_minutes

    assert after[0] == 10.0  # kept: nearer than the candidate
    assert after[1] < 45.0 and after[2] < 10.0  # 31 km and 8 km at 1 km a minute
    assert after[1] == pytest.approx(31.5, abs=0.5)

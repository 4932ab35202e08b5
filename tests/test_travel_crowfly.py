"""Crow-fly provider: hand-computed distances, exact k-nearest and catchments, parameters."""

import math

import numpy as np
import pyproj
import pytest

from indicators.engine.travel import NO_DESTINATION, Places, provider_from_parameters
from indicators.engine.travel.crowfly import EARTH_RADIUS_KM, CrowFly, haversine_km

LYON = (4.8357, 45.7640)  # Hôtel de ville
SAINT_ETIENNE = (4.3872, 45.4397)  # Hôtel de ville


def places(lonlat, prefix="p"):
    lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    return Places(
        np.array([f"{prefix}{i}" for i in range(len(lonlat))]), lonlat[:, 0], lonlat[:, 1]
    )


def hand_haversine_km(a, b):
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_lyon_saint_etienne_is_the_known_great_circle_distance():
    km = float(haversine_km(*LYON, *SAINT_ETIENNE))
    assert km == pytest.approx(50.18, abs=0.01)  # by hand: hypot(36.06, 34.89) km
    assert km == pytest.approx(hand_haversine_km(LYON, SAINT_ETIENNE), rel=1e-12)
    # The sphere is within 0.5 % of the WGS84 ellipsoid at this latitude.
    _, _, metres = pyproj.Geod(ellps="WGS84").inv(*LYON, *SAINT_ETIENNE)
    assert km == pytest.approx(metres / 1000, rel=5e-3)


def test_minutes_are_distance_times_detour_over_speed_plus_access():
    provider = CrowFly(detour=1.3, speed_kmh=50.0, access_minutes=5.0)
    minutes, index = provider.nearest(places([LYON]), places([SAINT_ETIENNE]), k=1)
    expected = hand_haversine_km(LYON, SAINT_ETIENNE) * 1.3 / 50.0 * 60.0 + 5.0
    assert minutes[0, 0] == pytest.approx(expected, rel=1e-12)
    assert minutes[0, 0] == pytest.approx(83.28, abs=0.01)
    assert index[0, 0] == 0


def test_parameters_are_recorded_and_rebuild_the_same_provider():
    provider = CrowFly(detour=1.2, speed_kmh=60, access_minutes=2)
    assert provider.parameters() == {
        "provider": "crowfly",
        "detour": 1.2,
        "speed_kmh": 60.0,
        "access_minutes": 2.0,
    }
    rebuilt = provider_from_parameters(provider.parameters())
    assert isinstance(rebuilt, CrowFly)
    assert rebuilt.parameters() == provider.parameters()


def test_defaults_are_detour_1_3_at_50_kmh():
    assert CrowFly().parameters() == {
        "provider": "crowfly",
        "detour": 1.3,
        "speed_kmh": 50.0,
        "access_minutes": 0.0,
    }


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"speed_kmh": 0}, "speed"),
        ({"speed_kmh": -10}, "speed"),
        ({"detour": 0.9}, "detour"),
        ({"access_minutes": -1}, "access"),
        ({"speed_kmh": float("nan")}, "speed"),
    ],
)
def test_it_rejects_impossible_parameters(arguments, message):
    with pytest.raises(ValueError, match=message):
        CrowFly(**arguments)


def test_unknown_provider_is_an_error():
    with pytest.raises(ValueError, match="unknown travel-time provider"):
        provider_from_parameters({"provider": "teleport"})


def test_k_larger_than_the_destinations_is_filled_with_unreachable():
    provider = CrowFly()
    minutes, index = provider.nearest(places([LYON]), places([SAINT_ETIENNE, LYON]), k=4)
    assert minutes.shape == index.shape == (1, 4)
    assert index[0].tolist() == [1, 0, NO_DESTINATION, NO_DESTINATION]
    assert minutes[0, 0] == 0.0
    assert np.isinf(minutes[0, 2:]).all()


def test_empty_inputs_give_empty_or_unreachable_answers():
    provider = CrowFly()
    none = places(np.empty((0, 2)))
    minutes, index = provider.nearest(places([LYON]), none, k=2)
    assert np.isinf(minutes).all() and (index == NO_DESTINATION).all()
    minutes, index = provider.nearest(none, places([LYON]), k=2)
    assert minutes.shape == (0, 2)
    assert len(provider.within(none, places([LYON]), 30)) == 0
    assert len(provider.within(places([LYON]), none, 30)) == 0


def test_within_keeps_a_destination_exactly_at_the_cut_off():
    provider = CrowFly(detour=1.3, speed_kmh=50.0, access_minutes=3.0)
    origins, destinations = places([LYON]), places([SAINT_ETIENNE, (4.84, 45.77)])
    exact = provider.nearest(origins, destinations, k=2)[0].max()
    inclusive = provider.within(origins, destinations, exact)
    assert inclusive.destination.tolist() == [0, 1]
    assert inclusive.minutes.max() == exact
    just_below = provider.within(origins, destinations, np.nextafter(exact, 0))
    assert just_below.destination.tolist() == [1]
    assert len(provider.within(origins, destinations, 2.9)) == 0  # below the access time


def test_within_keeps_pairs_at_zero_distance():
    points = places([LYON, SAINT_ETIENNE])
    pairs = CrowFly().within(points, points, 0.0)
    assert pairs.origin.tolist() == [0, 1]
    assert pairs.destination.tolist() == [0, 1]


def brute_force(provider, origins, destinations):
    km = haversine_km(
        origins.lon[:, None], origins.lat[:, None], destinations.lon[None], destinations.lat[None]
    )
    return provider.minutes_of_km(km)


@pytest.mark.parametrize(
    "extent",
    [
        (-5.0, 9.5, 41.3, 51.1),  # metropolitan France
        (55.2, 55.85, -21.4, -20.85),  # La Réunion
        (-61.9, -60.8, 14.3, 16.5),  # Antilles
    ],
)
def test_nearest_and_within_equal_brute_force_on_random_points(extent):
    rng = np.random.default_rng(42)
    lon0, lon1, lat0, lat1 = extent
    origins = Places(
        np.arange(400).astype(str), rng.uniform(lon0, lon1, 400), rng.uniform(lat0, lat1, 400)
    )
    destinations = Places(
        np.arange(60).astype(str), rng.uniform(lon0, lon1, 60), rng.uniform(lat0, lat1, 60)
    )
    provider = CrowFly(detour=1.3, speed_kmh=50.0, access_minutes=1.5)
    full = brute_force(provider, origins, destinations)

    minutes, index = provider.nearest(origins, destinations, k=5)
    order = np.argsort(full, axis=1)[:, :5]
    np.testing.assert_allclose(minutes, np.take_along_axis(full, order, 1), rtol=1e-12)
    np.testing.assert_array_equal(index, order)

    cut_off = float(np.quantile(full, 0.1))
    pairs = provider.within(origins, destinations, cut_off)
    expected_origin, expected_destination = np.nonzero(full <= cut_off)
    assert len(pairs) > 0
    order = np.lexsort((pairs.destination, pairs.origin))  # Pairs come in no particular order
    np.testing.assert_array_equal(pairs.origin[order], expected_origin)
    np.testing.assert_array_equal(pairs.destination[order], expected_destination)
    np.testing.assert_allclose(
        pairs.minutes[order], full[expected_origin, expected_destination], rtol=1e-11
    )


def test_within_and_nearest_give_a_pair_the_same_time_to_the_last_bit():
    rng = np.random.default_rng(7)
    origins = Places(np.arange(300), rng.uniform(2, 7, 300), rng.uniform(43, 47, 300))
    destinations = Places(np.arange(40), rng.uniform(2, 7, 40), rng.uniform(43, 47, 40))
    provider = CrowFly(access_minutes=2.0)
    minutes, index = provider.nearest(origins, destinations, k=40)
    pairs = provider.within(origins, destinations, 60.0)
    assert 0 < len(pairs) < 300 * 40
    rank = np.argsort(index, axis=1)  # row i: the place of each destination in its k nearest
    same = minutes[pairs.origin, rank[pairs.origin, pairs.destination]]
    np.testing.assert_array_equal(pairs.minutes, same)
    assert np.all(np.diff(minutes, axis=1) >= 0)


def test_earth_radius_is_the_mean_radius():
    assert EARTH_RADIUS_KM == 6371.0088

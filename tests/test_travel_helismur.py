"""HéliSMUR flight times (issue 11 §3): crow-fly ÷ speed + take-off delay, hand-checked, with
both parameters recorded and required."""

import numpy as np
import pytest

from indicators.engine.travel import NO_DESTINATION, Places, provider_from_parameters
from indicators.engine.travel.crowfly import haversine_km
from indicators.engine.travel.helismur import HeliSmurFlight

BRON = (4.9385, 45.7290)  # a base (illustrative point near Lyon-Bron)
SAINT_ETIENNE = (4.3872, 45.4397)
LYON = (4.8357, 45.7640)


def places(lonlat, prefix="p"):
    lonlat = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    return Places(
        np.array([f"{prefix}{i}" for i in range(len(lonlat))]), lonlat[:, 0], lonlat[:, 1]
    )


def test_the_flight_time_is_distance_over_speed_plus_the_take_off_delay():
    flight = HeliSmurFlight(speed_kmh=240, takeoff_minutes=8)
    communes, bases = places([SAINT_ETIENNE, LYON], "c"), places([BRON], "b")

    minutes, index = flight.nearest(communes, bases, k=2)

    km = haversine_km(np.array([SAINT_ETIENNE[0], LYON[0]]), np.array([SAINT_ETIENNE[1], LYON[1]]),
                      BRON[0], BRON[1])  # fmt: skip
    expected = km / 240 * 60 + 8  # no detour: a helicopter flies straight
    np.testing.assert_allclose(minutes[:, 0], expected, rtol=1e-12)
    assert 52 < km[0] < 56 and minutes[0, 0] == pytest.approx(8 + km[0] / 4, rel=1e-12)
    assert index[:, 0].tolist() == [0, 0] and index[:, 1].tolist() == [NO_DESTINATION] * 2
    # Within 15 minutes: Lyon (8.9 km, 10.2 min) only, not Saint-Étienne (53.6 km, 21.4 min).
    pairs = flight.within(communes, bases, max_minutes=15)
    assert pairs.origin.tolist() == [1] and pairs.minutes[0] == pytest.approx(expected[1])


def test_the_parameters_are_recorded_and_rebuild_the_same_provider():
    flight = HeliSmurFlight(speed_kmh=220.0, takeoff_minutes=5.0)
    parameters = flight.parameters()
    assert parameters["provider"] == "helismur"
    assert (parameters["speed_kmh"], parameters["takeoff_minutes"]) == (220.0, 5.0)
    rebuilt = provider_from_parameters(parameters)
    assert isinstance(rebuilt, HeliSmurFlight) and rebuilt.parameters() == parameters


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"provider": "helismur", "speed_kmh": 240}, "needs takeoff_minutes"),
        ({"provider": "helismur"}, "needs speed_kmh and takeoff_minutes"),
        ({"provider": "helismur", "speed_kmh": 0, "takeoff_minutes": 5}, "positive"),
        ({"provider": "helismur", "speed_kmh": 240, "takeoff_minutes": -1}, ">= 0 minutes"),
    ],
)
def test_both_parameters_are_required_and_checked(parameters, message):
    with pytest.raises(ValueError, match=message):
        provider_from_parameters(parameters)

"""The doctors' zoning rules on arrays (indicators/engine/zoning.py): no database."""

from __future__ import annotations

import numpy as np
import pytest

from indicators.engine import zoning as z

RULES = z.Rules(zip_below=2.5, pool_up_to=4.0)
# Five TVS: automatic ZIP (1.9), two of the vivier (2.5 inclusive, 3.1), hors vivier (4.2),
# and one of unknown APL.
APL = np.array([1.9, 2.5, 3.1, 4.2, np.nan])
POPULATION = np.array([30_000.0, 10_000.0, 20_000.0, 35_000.0, 5_000.0])
REGION = 100_000.0


def automatic():
    return z.automatic_selection(APL, RULES)


def test_automatic_selection_follows_the_thresholds():
    assert list(automatic()) == [
        z.AUTOMATIC_ZIP, z.POOL, z.POOL, z.HORS_VIVIER, z.UNKNOWN_APL,
    ]  # fmt: skip
    assert list(z.initial_categories(automatic())) == [
        z.ZIP, z.VIVIER, z.VIVIER, z.HORS_ZONAGE, z.HORS_ZONAGE,
    ]  # fmt: skip


@pytest.mark.parametrize("zip_share", [None, 0.0, 0.1, 0.5])
def test_an_automatic_zip_stays_zip_whatever_the_cap(zip_share):
    caps = z.Caps(zip_share=zip_share, zac_share=0.5)
    categories, dropped = z.replay_choices(
        {0: z.HORS_ZONAGE}, POPULATION, automatic(), caps, REGION
    )
    assert categories[0] == z.ZIP
    assert dropped[0].reason == "automatic"
    refusal = z.check_choice(0, z.ZAC, POPULATION, automatic(), categories, caps, REGION)
    assert refusal == z.Refusal("automatic", z.ZAC)
    state = z.cap_states(POPULATION, automatic(), categories, caps, REGION)[z.ZIP]
    assert state.automatic == 30_000
    assert state.automatic_over_cap is (zip_share is not None and zip_share * REGION < 30_000)


def test_additions_never_exceed_the_cap_and_the_refusal_says_by_how_much():
    caps = z.Caps(zip_share=0.45, zac_share=0.15)  # 45,000 and 15,000 inhabitants
    auto = automatic()
    categories = z.initial_categories(auto)
    assert z.check_choice(1, z.ZIP, POPULATION, auto, categories, caps, REGION) is None
    categories[1] = z.ZIP  # 30,000 + 10,000 = 40,000 <= 45,000
    refusal = z.check_choice(2, z.ZIP, POPULATION, auto, categories, caps, REGION)
    assert refusal.reason == "over_cap"
    assert refusal.excess == pytest.approx(15_000)  # 60,000 − 45,000
    assert refusal.cap == pytest.approx(45_000)
    refusal = z.check_choice(2, z.ZAC, POPULATION, auto, categories, caps, REGION)
    assert (refusal.reason, refusal.excess) == ("over_cap", pytest.approx(5_000))
    # Whatever order the choices come in, the replayed additions stay within the caps.
    rng = np.random.default_rng(1)
    for _ in range(50):
        wanted = {i: rng.choice([z.ZIP, z.ZAC]) for i in (1, 2)}
        got, _dropped = z.replay_choices(wanted, POPULATION, auto, caps, REGION)
        for state in z.cap_states(POPULATION, auto, got, caps, REGION).values():
            assert state.total <= state.cap or state.added == 0


def test_an_automatic_selection_above_the_cap_leaves_no_room():
    caps = z.Caps(zip_share=0.2, zac_share=0.5)
    auto = automatic()
    categories = z.initial_categories(auto)
    state = z.cap_states(POPULATION, auto, categories, caps, REGION)[z.ZIP]
    assert state.automatic_over_cap and state.room == 0
    refusal = z.check_choice(1, z.ZIP, POPULATION, auto, categories, caps, REGION)
    assert (refusal.reason, refusal.excess) == ("over_cap", pytest.approx(20_000))


def test_outside_the_pool_and_unknown_apl_and_unknown_caps_are_refused():
    caps = z.Caps(zip_share=None, zac_share=0.9)
    auto = automatic()
    categories = z.initial_categories(auto)
    assert z.check_choice(3, z.ZAC, POPULATION, auto, categories, caps, REGION).reason == (
        "outside_pool"
    )
    assert z.check_choice(4, z.ZIP, POPULATION, auto, categories, caps, REGION).reason == (
        "unknown_apl"
    )
    assert z.check_choice(1, z.ZIP, POPULATION, auto, categories, caps, REGION).reason == "no_cap"
    assert z.check_choice(1, z.ZAC, POPULATION, auto, categories, caps, REGION) is None
    assert z.check_choice(1, "zone", POPULATION, auto, categories, caps, REGION).reason == (
        "not_a_category"
    )

"""Our 2SFCA equals PySAL ``access`` (Access.two_stage_fca), the reference, to 1e-9 relative.

A small instance of bench/bench_2sfca_access.py's national case (random points in metropolitan
France's bounding box, its 45-minute bands): same crow-fly pairs, fed to both.
"""

import importlib
import importlib.util
import logging
import sys
import sysconfig
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from indicators.engine import StepWeights, two_step_fca
from indicators.engine.travel import Places
from indicators.engine.travel.crowfly import CrowFly

BANDS = "15:1,30:0.6667,45:0.3333"


def pysal_access():
    """PySAL's ``access``, which our ``access`` app shadows on sys.path: loaded from
    site-packages under another name (as the bench does)."""
    if "pysal_access" not in sys.modules:
        init = Path(sysconfig.get_paths()["purelib"]) / "access" / "__init__.py"
        spec = importlib.util.spec_from_file_location(
            "pysal_access", init, submodule_search_locations=[str(init.parent)]
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules["pysal_access"] = module
        spec.loader.exec_module(module)
    return sys.modules["pysal_access"].Access, importlib.import_module("pysal_access.weights")


@pytest.mark.parametrize("seed", [0, 1])
def test_two_step_fca_equals_pysal_access(seed):
    rng = np.random.default_rng(seed)
    n, m = 2_000, 1_000
    units = Places(np.arange(n), rng.uniform(-5.2, 9.6, n), rng.uniform(41.3, 51.1, n))
    sites = Places(np.arange(m), rng.uniform(-5.2, 9.6, m), rng.uniform(41.3, 51.1, m))
    population = np.round(rng.lognormal(mean=6.5, sigma=1.5, size=n))
    capacity = rng.integers(1, 6, m).astype(np.float64)
    weight = StepWeights.parse(BANDS)
    pairs = CrowFly().within(units, sites, weight.max_minutes)
    ours = two_step_fca(pairs, population, capacity, weight).access

    Access, weights = pysal_access()
    logging.getLogger("access").setLevel(logging.WARNING)
    model = Access(
        demand_df=pd.DataFrame({"geoid": units.ids, "pop": population}),
        demand_index="geoid",
        demand_value="pop",
        supply_df=pd.DataFrame({"geoid": sites.ids, "capacity": capacity}),
        supply_index="geoid",
        supply_value="capacity",
        cost_df=pd.DataFrame(
            {"origin": pairs.origin, "dest": pairs.destination, "cost": pairs.minutes}
        ),
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    step = weights.step_fn(dict(weight.bands))
    theirs = model.two_stage_fca(name="2sfca", weight_fn=step, max_cost=weight.max_minutes)
    theirs = theirs["2sfca_capacity"].reindex(units.ids).fillna(0.0).to_numpy(dtype=np.float64)

    assert (ours > 0).sum() > n // 2  # most units reach a site: the comparison is not vacuous
    assert (ours == 0).sum() > 0  # and some none
    np.testing.assert_array_equal(ours == 0, theirs == 0)
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=0)

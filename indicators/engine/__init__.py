"""The numeric engine, in pure numpy/scipy and without Django (an import-linter contract keeps
it so; docs/architecture.md):

- ``measures``: nearest access, population beyond a target, density, 2SFCA, compliance;
- ``whatif``: the incremental what-if of a scenario on the k-nearest arrays;
- ``travel``: the travel-time providers (crow-fly, road network, imported matrix);
- ``location``: location models with existing sites kept open (MCLP, LSCP, p-median) and the
  drop-one ranking of closures.

The measures are re-exported here (``from indicators import engine; engine.nearest_access``).
"""

from . import location
from .measures import (
    APL_BANDS,
    BeyondTarget,
    GaussianWeights,
    NearestAccess,
    StepWeights,
    TwoStepFCA,
    WeightFunction,
    beyond_target,
    compliance,
    density_per_10k,
    group_sum,
    nearest_access,
    ratios,
    two_step_fca,
    weight_matrix,
)

__all__ = [
    "location",
    "APL_BANDS",
    "BeyondTarget",
    "GaussianWeights",
    "NearestAccess",
    "StepWeights",
    "TwoStepFCA",
    "WeightFunction",
    "beyond_target",
    "compliance",
    "density_per_10k",
    "group_sum",
    "nearest_access",
    "ratios",
    "two_step_fca",
    "weight_matrix",
]

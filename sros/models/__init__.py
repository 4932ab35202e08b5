"""Models of the regional schema: the catalogue (activities, volet themes), the schema and its
versions, pilot projects, initiatives and per-region roles."""

from .catalogue import AuthorisedActivity, VoletTheme
from .projects import (
    Evaluation,
    Initiative,
    InitiativeDepartment,
    Milestone,
    PilotProject,
    RegionMembership,
)
from .scenarios import Scenario, ScenarioChange
from .schema import (
    Comment,
    Objective,
    Schema,
    SchemaVersion,
    VersionTransition,
    VersionZoning,
    Volet,
)

__all__ = [
    "AuthorisedActivity",
    "Comment",
    "Evaluation",
    "Initiative",
    "InitiativeDepartment",
    "Milestone",
    "Objective",
    "PilotProject",
    "RegionMembership",
    "Scenario",
    "ScenarioChange",
    "Schema",
    "SchemaVersion",
    "VersionTransition",
    "VersionZoning",
    "Volet",
    "VoletTheme",
]

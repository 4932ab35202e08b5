"""Models of the regional schema: the catalogue (activities, volet themes), the schema and its
versions, the consultation's comments, pilot projects and initiatives (per-region roles are
``access.RegionMembership``)."""

from .catalogue import AuthorisedActivity, VoletTheme
from .consultation import Comment
from .doctors_zoning import DoctorsZoning, DoctorsZoningEntry, ZoningCap, ZoningMethod
from .projects import (
    Evaluation,
    Initiative,
    InitiativeDepartment,
    Milestone,
    PilotProject,
)
from .scenarios import Scenario, ScenarioChange
from .schema import (
    Objective,
    Schema,
    SchemaVersion,
    VersionTransition,
    VersionZoning,
    Volet,
)
from .suggestions import SuggestionJob

__all__ = [
    "AuthorisedActivity",
    "Comment",
    "DoctorsZoning",
    "DoctorsZoningEntry",
    "Evaluation",
    "Initiative",
    "InitiativeDepartment",
    "Milestone",
    "Objective",
    "PilotProject",
    "Scenario",
    "ScenarioChange",
    "SuggestionJob",
    "Schema",
    "SchemaVersion",
    "VersionTransition",
    "VersionZoning",
    "Volet",
    "VoletTheme",
    "ZoningCap",
    "ZoningMethod",
]

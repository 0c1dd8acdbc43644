"""findhz's planner: load a scenario, compute travel times, assign, schedule, verify, export.

The public surface, in the order of the data flow::

    scenario = load_scenario("routes/scenarios/findhz-2024.yaml")   # Scenario, or InputError
    matrix = build_matrix(scenario)                                  # TravelMatrix (offline)
    plan, report = make_plan(scenario, matrix, time_limit_s=6, seed=0)
    assert verify_plan(plan, scenario) == []
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # these load on first use: `import findhz.planner.models` stays light
    from findhz.planner.errors import (
        FindhzError,
        InputError,
        PlanError,
        Problem,
        ProviderAuthError,
        TravelError,
        VerificationFailed,
    )
    from findhz.planner.loading import load_catalogue, load_delegates, load_routes, load_scenario
    from findhz.planner.models import Delegate, Group, Plan, Route, Scenario, Stop, Venue
    from findhz.planner.planning import RunReport, make_plan
    from findhz.planner.travel import TravelMatrix, build_matrix
    from findhz.planner.verify import verify_plan

#: Where each public name lives; importing ``planner`` loads none of them (no solver, no
#: numpy) until one is used.
_HOMES = {
    **dict.fromkeys(
        [
            "FindhzError",
            "InputError",
            "PlanError",
            "Problem",
            "ProviderAuthError",
            "TravelError",
            "VerificationFailed",
        ],
        "findhz.planner.errors",
    ),
    **dict.fromkeys(
        ["load_catalogue", "load_delegates", "load_routes", "load_scenario"],
        "findhz.planner.loading",
    ),
    **dict.fromkeys(
        ["Delegate", "Group", "Plan", "Route", "Scenario", "Stop", "Venue"], "findhz.planner.models"
    ),
    **dict.fromkeys(["RunReport", "make_plan"], "findhz.planner.planning"),
    **dict.fromkeys(["TravelMatrix", "build_matrix"], "findhz.planner.travel"),
    "verify_plan": "findhz.planner.verify",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'planner' has no attribute '{name}'")
    return getattr(import_module(home), name)


__all__ = [
    "Delegate",
    "FindhzError",
    "Group",
    "InputError",
    "Plan",
    "PlanError",
    "Problem",
    "ProviderAuthError",
    "Route",
    "RunReport",
    "Scenario",
    "Stop",
    "TravelError",
    "TravelMatrix",
    "Venue",
    "VerificationFailed",
    "build_matrix",
    "load_catalogue",
    "load_delegates",
    "load_routes",
    "load_scenario",
    "make_plan",
    "verify_plan",
]

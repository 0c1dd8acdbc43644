"""From a scenario and its travel matrix to a plan: assign, then schedule each day.

The time budget is split between the assignment (``ASSIGNMENT_SHARE``) and the days (the
rest, evenly).
The search stops after a fixed amount of work, so the plan depends only on the inputs and
the seed; the wall-clock budget is a safety cap, and ``RunReport`` says if it was reached.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from findhz.planner.assign import assign
from findhz.planner.metrics import DayFigures, PlanMetrics, WorkBudget
from findhz.planner.models import Plan, Scenario
from findhz.planner.schedule import schedule_day
from findhz.planner.travel.matrix import TravelMatrix

__all__ = ["ASSIGNMENT_SHARE", "RunReport", "command_bound", "days_allowance", "make_plan"]

log = logging.getLogger(__name__)

#: Share of the time budget for the assignment; the days share the rest.
ASSIGNMENT_SHARE = 0.4
#: The safety cap of the whole planning: ``CAP_FACTOR * time_limit_s + CAP_SLACK_S``
#: seconds of this process's CPU time from its start; a day begun after it is built
#: constructively (each bus its first solution) and not certified. CPU time, not wall time,
#: so that a machine busy with other work does not change the plan; the work budgets end
#: the search well before the cap, and a plan it changed is reported as such.
CAP_FACTOR = 4.0
CAP_SLACK_S = 10.0
#: What the planning predicts the assignment costs, in CPU seconds, from its budget (CP-SAT
#: runs two workers) and the delegates (building the model, presolve, explanations: about
#: 0.5 ms a delegate measured at 5,000 and 10,000 delegates on a 2-core machine). The days
#: share what is left of ``DAYS_CAP_SHARE`` of the cap: a short day searches only the buses
#: its share pays (``schedule.LEAN_BUS_S`` each). A prediction from the sizes alone, so the
#: plan does not depend on the machine; the rest of the cap absorbs its error.
ASSIGN_CPU_PER_BUDGET_S = 2.0
ASSIGN_CPU_PER_DELEGATE_S = 0.0005
DAYS_CAP_SHARE = 0.8
#: The whole command's stated bound adds to the planning's cap a fixed part (start-up,
#: loading, travel times offline, verification) and the writing, per delegate (pages,
#: calendars, QR codes, maps, workbook): measured 3 to 4 ms a delegate at 5,000 and 10,000
#: delegates on a quiet 2-core machine (``findhz bench budget``), stated at twice that.
COMMAND_SLACK_S = 10.0
WRITE_S_PER_DELEGATE = 0.008
#: When the budget kept people out, the reasons suggest a ``--time-limit`` this many times
#: the one given.
RERUN_FACTOR = 4.0


@dataclass
class RunReport:
    """What a run measured that depends on the machine (kept out of ``plan.json``)."""

    seconds: dict[str, float] = field(default_factory=dict)
    time_cap_hit: bool = False
    cpu_cap_s: float = 0.0
    #: Days the CPU-time cap reached before they began (built constructively).
    capped_days: list[str] = field(default_factory=list)
    #: The CPU seconds the days were given by prediction (see :func:`days_allowance`).
    days_allowance_s: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "seconds": {k: round(v, 3) for k, v in self.seconds.items()},
            "time_cap_hit": self.time_cap_hit,
            "cpu_cap_s": round(self.cpu_cap_s, 3),
            "capped_days": self.capped_days,
            "days_allowance_cpu_s": round(self.days_allowance_s, 3),
            "plan_may_differ_between_runs": self.time_cap_hit,
        }


def command_bound(time_limit_s: float, delegates: int) -> float:
    """The seconds ``findhz plan --time-limit T`` states it keeps on a machine not busy
    with other work: the planning's cap, ``COMMAND_SLACK_S`` and the writing."""
    return (
        CAP_FACTOR * time_limit_s + CAP_SLACK_S + COMMAND_SLACK_S + WRITE_S_PER_DELEGATE * delegates
    )


def days_allowance(cpu_cap_s: float, assignment_s: float, delegates: int) -> float:
    """The CPU seconds the days may plan to use: ``DAYS_CAP_SHARE`` of the cap less the
    assignment's predicted cost (see ``ASSIGN_CPU_PER_BUDGET_S``); never negative."""
    predicted = ASSIGN_CPU_PER_BUDGET_S * assignment_s + ASSIGN_CPU_PER_DELEGATE_S * delegates
    return max(0.0, DAYS_CAP_SHARE * cpu_cap_s - predicted)


def make_plan(
    scenario: Scenario,
    matrix: TravelMatrix,
    *,
    time_limit_s: float = 8.0,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    cny_per_rank_step: int | None = None,
) -> tuple[Plan, RunReport]:
    """Plan every day of the scenario; return the plan and the run's timings."""
    report = RunReport(cpu_cap_s=CAP_FACTOR * time_limit_s + CAP_SLACK_S)
    started = time.perf_counter()
    deadline = time.process_time() + report.cpu_cap_s
    say = progress or (lambda _message: None)

    say("assigning delegates to route-days")
    assignment_s = max(1.0, time_limit_s * ASSIGNMENT_SHARE)
    assignment = assign(
        scenario,
        time_limit_s=assignment_s,
        seed=seed,
        cny_per_rank_step=cny_per_rank_step,
        rerun_time_limit_s=min(3600.0, RERUN_FACTOR * time_limit_s),
    )
    report.seconds["assign"] = time.perf_counter() - started
    report.time_cap_hit |= assignment.time_cap_hit

    dates = sorted({g.date for g in assignment.groups})
    per_day = max(1.0, time_limit_s * (1 - ASSIGNMENT_SHARE) / max(1, len(dates)))
    allowance = days_allowance(report.cpu_cap_s, assignment_s, len(scenario.delegates))
    per_day_allowance = allowance / max(1, len(dates))
    report.days_allowance_s = allowance
    groups = []
    explanations = list(assignment.explanations)
    days: dict[str, DayFigures] = {}
    for date in dates:
        say(f"scheduling {date}")
        t0 = time.perf_counter()
        todays = [g for g in assignment.groups if g.date == date]
        day = schedule_day(
            scenario,
            matrix,
            date,
            todays,
            budget_s=per_day,
            seed=seed,
            deadline=deadline,
            allowance_s=per_day_allowance,
        )
        report.seconds[f"schedule {date}"] = time.perf_counter() - t0
        report.time_cap_hit |= day.metrics.time_cap_hit
        if day.metrics.build == "constructive":
            report.capped_days.append(date.isoformat())
        groups.extend(day.groups)
        explanations.extend(day.explanations)
        days[date.isoformat()] = day.metrics.plan_json(len(day.groups))
    report.seconds["total"] = time.perf_counter() - started

    groups.sort(key=lambda g: (g.date, g.route, g.id))
    metrics = PlanMetrics.from_assignment(
        assignment.metrics,
        groups=len(groups),
        visits=sum(d.visits or 0 for d in days.values()),
        bus_time_s=sum(d.bus_s or 0 for d in days.values()),
        drive_time_s=sum(d.drive_s or 0 for d in days.values()),
        days=days,
        work_budget=WorkBudget(assignment_budget_s=assignment_s, routing_budget_s_per_day=per_day),
        wall_clock="run.json (machine-dependent, kept out of the plan)",
    )
    plan = Plan(
        scenario=scenario.id,
        timezone=scenario.spec.timezone,
        seed=seed,
        time_limit_s=time_limit_s,
        travel=matrix.info(),
        groups=groups,
        unassigned=list(assignment.unassigned),
        explanations=sorted(
            explanations,
            key=lambda e: (
                e.date.isoformat() if e.date else "",
                e.kind,
                e.route or "",
                e.venue or "",
                e.reason,
            ),
        ),
        metrics=metrics,
    )
    return plan, report

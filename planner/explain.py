"""What a coordinator is told when the schedule cannot do what a route asks.

The words of the scheduling stage, in one place: a must-visit venue a group cannot use (too
small, no step-free access, closed, no room between its other stops), a bus below its
route's minimum of stops, and a bus with no timetable at all (a :class:`PlanError`). The
facts come from the day model (:mod:`planner.day_model`) and the read-back
(:mod:`planner.day_readback`); the reasons the assignment gives for an unplaced delegate are
in :mod:`planner.assign`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from planner.assign import PlannedGroup
from planner.errors import PlanError
from planner.models import Explanation, Route, Venue, format_clock

__all__ = [
    "below_min_stops",
    "bus_without_timetable",
    "must_visit_closed",
    "must_visit_missed",
    "must_visit_unfit",
    "no_opening_long_enough",
    "not_step_free",
    "too_small",
]


def too_small(venue: Venue, group_id: str, size: int) -> str:
    return f"{venue.id} takes at most {venue.max_group} people; group {group_id} has {size}"


def not_step_free(venue: Venue, group_id: str) -> str:
    return f"{venue.id} has no step-free access and group {group_id} needs it"


def no_opening_long_enough(venue: Venue, date: dt.date) -> str:
    return f"{venue.id} has no opening on {date} long enough for a visit"


def _dropped(group: PlannedGroup, date: dt.date, venue: str, reason: str) -> Explanation:
    return Explanation(
        kind="must-visit-dropped",
        group=group.id,
        route=group.route,
        date=date,
        venue=venue,
        reason=reason,
    )


def must_visit_unfit(group: PlannedGroup, date: dt.date, venue: Venue, why: str) -> Explanation:
    """A must-visit that is open but cannot take this group (``why``)."""
    return _dropped(group, date, venue.id, why)


def must_visit_closed(
    group: PlannedGroup, date: dt.date, venue: str, hours: Sequence[object]
) -> Explanation:
    """A must-visit closed on ``date``, or open too briefly for a visit."""
    opening = ", ".join(str(w) for w in hours)
    return _dropped(
        group,
        date,
        venue,
        (
            f"{venue} is closed on {date}"
            if not opening
            else f"{venue} opens only {opening} on {date}, too short a visit"
        )
        + f" (group {group.id})",
    )


def must_visit_missed(
    group: PlannedGroup,
    date: dt.date,
    venue: Venue,
    hours: Sequence[object],
    others: Sequence[str],
) -> Explanation:
    """A must-visit the group's tour could not fit; ``others``: groups there that day."""
    opening = ", ".join(str(w) for w in hours)
    reason = (
        f"{venue.id} opens {opening} on {date} and receives "
        f"{venue.concurrent_groups} group(s) at a time; group {group.id} could not fit "
        "a visit between its other stops, lunch and the day's end"
    )
    if others:
        reason += f" (other groups there that day: {', '.join(others)})"
    return _dropped(group, date, venue.id, reason)


def below_min_stops(group: PlannedGroup, date: dt.date, route: Route, made: int) -> Explanation:
    """A bus that makes fewer visits than its route's minimum."""
    return Explanation(
        kind="stop-bounds",
        group=group.id,
        route=group.route,
        date=date,
        reason=(
            f"group {group.id} makes {made} visit(s), fewer than route "
            f"{route.id}'s minimum of {route.min_stops}: its venues' opening "
            "hours, the other groups already there, lunch and travel leave "
            "no room for more"
        ),
    )


def bus_without_timetable(
    group: PlannedGroup,
    date: dt.date,
    lunches: Sequence[str],
    offered: bool,
    status: str,
    day: tuple[int, int],
) -> PlanError:
    """Why a bus has no timetable even with no minimum of stops: no lunch venue takes it,
    the ones near its route (``lunches``) are full (``offered`` is false), or the day
    (``day``, minutes) is too short for lunch and the travel to it."""
    if not lunches:
        return PlanError(
            f"no lunch venue can take group {group.id} on {date} (too many people, "
            "no step-free access, or none open in the lunch window)"
        )
    if not offered:
        return PlanError(
            f"group {group.id} finds no lunch on {date}: the lunch venues near its "
            f"route ({', '.join(lunches)}) are full with other groups during the lunch "
            "window; add lunch venues, raise their concurrent_groups, or widen the lunch window"
        )
    return PlanError(
        f"group {group.id} has no timetable on {date} ({status}): the day "
        f"{format_clock(day[0])}-{format_clock(day[1])} is too short for lunch and the "
        "travel to it"
    )

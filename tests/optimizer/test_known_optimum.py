"""Hand-made scenarios whose best plan is known, with the reasoning in each docstring.

Every scenario goes through the real loader (files written by ``factory``), the offline
travel model and ``make_plan``; every plan must also pass ``verify_plan``. Travel times are
never hard-coded: where a proof needs one it is read from the same matrix the planner used.
The offline model charges boarding and alighting on every leg, so even the shortest leg
takes more than 15 minutes; the proofs only use that legs take a positive time.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from findhz.planner.loading import load_scenario
from findhz.planner.models import Group, Stop
from findhz.planner.verify import verify_plan

from .factory import (
    BASE,
    FRI,
    THU,
    PlanRun,
    at,
    canteen,
    clock,
    delegate,
    load,
    route,
    run_plan,
    venue,
    write_scenario,
)


def _visits(group: Group) -> list[Stop]:
    return [s for s in group.stops if s.kind == "visit"]


def _kinds(group: Group) -> list[str]:
    """The day as ``depart``, ``visit:<venue>``, ``lunch:<venue>``, ..., ``return``."""
    return [
        s.kind if s.kind in ("depart", "return") else f"{s.kind}:{s.venue}" for s in group.stops
    ]


def _verified(run: PlanRun) -> PlanRun:
    assert verify_plan(run.plan, run.scenario) == []
    return run


def test_two_buses_take_turns_at_a_one_group_venue(tmp_path: Path) -> None:
    """Routes ``alpha`` and ``beta`` each have one venue, ``one-room`` (a must-visit),
    open 09:00-11:00 for 60-minute visits and receiving one group at a time.

    Each route has one delegate, so each runs one bus, and both buses must visit
    ``one-room``. A visit must start in [09:00, 10:00] (to end by 11:00), and the two visits
    may not overlap, so their starts are 60 minutes apart: exactly 09:00 and 10:00. The bus
    that comes second could be at the door long before 10:00 (the day starts at 08:30 and the
    leg from the base is well under an hour), so it is held back until the first group has
    left: its visit starts at the minute the other one ends. That is the only feasible
    timing, hence the optimum. The assignment agrees: ``one-room`` can receive two groups a
    day (two 60-minute slots), so both route-days run.
    """
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[venue("one-room", 30.2950, 120.0000, hours="09:00-11:00"), canteen()],
                routes=[
                    route("alpha", ["one-room"], must_visit=["one-room"], max_stops=1),
                    route("beta", ["one-room"], must_visit=["one-room"], max_stops=1),
                ],
                delegates=[
                    delegate("A1", ["alpha"]),
                    delegate("B1", ["beta"], country="Kenya"),
                ],
            )
        )
    )
    plan = run.plan
    assert [g.route for g in plan.groups] == ["alpha", "beta"]
    assert plan.unassigned == [] and plan.explanations == []
    for group in plan.groups:
        assert _kinds(group) == ["depart", "visit:one-room", "lunch:canteen", "return"]
    first, second = sorted(plan.groups, key=lambda g: clock(_visits(g)[0].start))
    one, two = _visits(first)[0], _visits(second)[0]
    assert (clock(one.start), clock(one.end)) == ("09:00", "10:00")
    assert (clock(two.start), clock(two.end)) == ("10:00", "11:00")
    assert two.start == one.end
    # The second bus could have been there earlier: it waits (it leaves later) for the room.
    leg_s = run.matrix.travel_s(BASE, "one-room", 8 * 60 + 30, THU)
    earliest = at(THU, "08:30", run.scenario) + dt.timedelta(seconds=leg_s)
    assert earliest < at(THU, "10:00", run.scenario)
    assert two.start is not None and two.start > earliest


def test_a_venue_whose_only_window_is_early_comes_first(tmp_path: Path) -> None:
    """Route ``alpha`` must visit ``early-lab`` (open 09:00-10:30) and ``park``
    (open 09:00-12:00), 60 minutes each; the day starts at 08:30 and lunch at 12:00-13:00.

    ``early-lab`` must start by 09:30. If ``park`` came first, it would start no earlier than
    08:30 plus the leg from the base, end an hour later (after 09:30) and the bus would reach
    ``early-lab`` after 09:30: too late. Lunch cannot come before either venue (it starts at
    12:00 and both close by 12:00). So the only feasible order is ``early-lab``, ``park``,
    lunch, and the optimum has it; both must-visits fit, so none is dropped.
    """
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[
                    venue("early-lab", 30.3000, 120.0300, hours="09:00-10:30"),
                    venue("park", 30.2900, 119.9950, hours="09:00-12:00"),
                    canteen(),
                ],
                routes=[
                    route(
                        "alpha",
                        ["park", "early-lab"],
                        must_visit=["park", "early-lab"],
                        min_stops=2,
                        max_stops=2,
                    )
                ],
                delegates=[delegate("A1", ["alpha"])],
                lunch=("12:00", "13:00", 60),
            )
        )
    )
    (group,) = run.plan.groups
    assert _kinds(group) == [
        "depart",
        "visit:early-lab",
        "visit:park",
        "lunch:canteen",
        "return",
    ]
    early = _visits(group)[0]
    assert early.start is not None and clock(early.start) <= "09:30"
    assert run.plan.explanations == []


def test_lunch_pushes_a_long_visit_to_the_afternoon(tmp_path: Path) -> None:
    """Route ``alpha`` has one venue, ``long-lab``, open 10:00-17:00 for 120-minute visits;
    lunch (60 minutes) must start between 11:30 and 12:00.

    Without lunch the bus could visit at 10:00-12:00. But then lunch could start no earlier
    than 12:00 plus a leg, after 12:00: infeasible. So the visit comes after lunch, which ends
    at 12:30 at the earliest: the visit is pushed to the afternoon, and the day is
    depart, lunch, ``long-lab``, return.
    """
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[
                    venue("long-lab", 30.3000, 120.0300, hours="10:00-17:00", visit_min=120),
                    canteen(),
                ],
                routes=[route("alpha", ["long-lab"], must_visit=["long-lab"], max_stops=1)],
                delegates=[delegate("A1", ["alpha"])],
                lunch=("11:30", "12:00", 60),
            )
        )
    )
    (group,) = run.plan.groups
    assert _kinds(group) == ["depart", "lunch:canteen", "visit:long-lab", "return"]
    lunch, visit = group.stops[1], group.stops[2]
    assert lunch.start is not None and "11:30" <= clock(lunch.start) <= "12:00"
    assert visit.start is not None and lunch.end is not None
    assert visit.start >= lunch.end
    assert clock(visit.start) >= "12:30"
    assert run.plan.explanations == []


def test_a_delegate_available_on_no_running_day_is_told_why(tmp_path: Path) -> None:
    """Route ``alpha``'s only venue ``lab`` is closed on Friday 15 November (its ``closed``
    list), so the route runs on Thursday 14 only. ``A2`` is available on Friday only: no
    plan can place them. ``A1`` (available both days) rides on Thursday. The reason for
    ``A2`` must name the day they are available and why the route cannot run that day.
    """
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[venue("lab", 30.3000, 120.0300, closed=[FRI]), canteen()],
                routes=[route("alpha", ["lab"])],
                dates=[THU, FRI],
                delegates=[
                    delegate("A1", ["alpha"]),
                    delegate("A2", ["alpha"], available=[FRI]),
                ],
            )
        )
    )
    plan = run.plan
    assert [(g.date, g.delegates) for g in plan.groups] == [(THU, ["A1"])]
    assert [u.delegate for u in plan.unassigned] == ["A2"]
    why = (
        "only 0 of its 1 venues open on 2024-11-15 and it needs at least 1 (closed or open "
        "too briefly for a visit that day: lab)"
    )
    assert run.reason_of("A2") == f"available 2024-11-15; alpha cannot run on 2024-11-15 ({why})"
    (not_run,) = [e for e in plan.explanations if e.kind == "route-day-not-run"]
    assert (not_run.route, not_run.date) == ("alpha", FRI)
    assert not_run.reason == f"route alpha cannot run on 2024-11-15: {why}"


def test_a_closed_must_visit_is_explained_and_the_others_visited(tmp_path: Path) -> None:
    """Route ``alpha`` must visit ``star-lab``, which the scenario closes on Thursday 14
    (an override with no hours); ``lab-b`` and ``lab-c`` are open 09:00-17:00.

    ``star-lab`` cannot be visited, so the plan must say so, naming the closure. The other two
    venues fit easily in the day (two 60-minute visits and lunch between 08:30 and 18:00)
    and each visit's prize outweighs a whole day of bus time, so the best plan visits both.
    """
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[
                    venue("star-lab", 30.3000, 120.0300),
                    venue("lab-b", 30.2950, 120.0000),
                    venue("lab-c", 30.2800, 120.0000),
                    canteen(),
                ],
                routes=[
                    route(
                        "alpha",
                        ["star-lab", "lab-b", "lab-c"],
                        must_visit=["star-lab"],
                        max_stops=3,
                    )
                ],
                overrides=[{"venue": "star-lab", "date": THU, "hours": []}],
                delegates=[delegate("A1", ["alpha"])],
            )
        )
    )
    (group,) = run.plan.groups
    assert sorted(s.venue for s in _visits(group)) == ["lab-b", "lab-c"]
    (explained,) = run.plan.explanations
    assert (explained.kind, explained.route, explained.date, explained.venue) == (
        "must-visit-dropped",
        "alpha",
        THU,
        "star-lab",
    )
    assert explained.reason == f"star-lab is closed on 2024-11-14 (group {group.id})"


def test_a_venue_smaller_than_the_group_names_both_numbers(tmp_path: Path) -> None:
    """Twelve delegates want route ``alpha``, whose must-visit ``tiny-lab`` takes at most 5
    people; the fleet is one 40-seat coach.

    Every bus of ``alpha`` must visit ``tiny-lab``, so a bus carries at most 5; with one bus,
    5 delegates ride and 7 cannot. Each of the 7 must learn why in numbers: the venue's limit
    (5), the coach's 40 seats, and the 12 who wanted the route that day.
    """
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[
                    venue("tiny-lab", 30.3000, 120.0300, max_group=5),
                    venue("lab-b", 30.2950, 120.0000),
                    canteen(),
                ],
                routes=[route("alpha", ["tiny-lab", "lab-b"], must_visit=["tiny-lab"])],
                fleet=[("coach", 40, 1)],
                delegates=[
                    delegate(f"A{i:02d}", ["alpha"], country=c)
                    for i, c in enumerate(["France", "Kenya", "Chile"] * 4)
                ],
            )
        )
    )
    (group,) = run.plan.groups
    assert len(group.delegates) == 5
    assert "tiny-lab" in {s.venue for s in _visits(group)}
    assert len(run.plan.unassigned) == 7
    for u in run.plan.unassigned:
        assert "alpha on 2024-11-14 was full (5 seats on 1 bus(es) for the 12 delegates" in (
            u.reason
        )
        assert (
            "a bus of 40 seats carries at most 5 because must-visit tiny-lab takes at most 5"
            in (u.reason)
        )


def test_a_step_free_delegate_never_meets_steps(tmp_path: Path) -> None:
    """Six delegates ride route ``alpha`` in 4-seat vans (so two groups of three); ``A5``
    needs step-free access. ``stairs-lab`` (weight 10, the route's best venue) has none.

    ``A5``'s group must not stop at ``stairs-lab``; the other group has no such need, and
    ``stairs-lab`` fits its day, so its prize makes the other group visit it.
    """
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[
                    venue("stairs-lab", 30.3000, 120.0300, step_free=False),
                    venue("lab-b", 30.2950, 120.0000),
                    venue("lab-c", 30.2800, 120.0000),
                    canteen(),
                ],
                routes=[route("alpha", {"stairs-lab": 10, "lab-b": 3, "lab-c": 3}, max_stops=3)],
                fleet=[("van", 4, 3)],
                delegates=[
                    delegate(
                        f"A{i}",
                        ["alpha"],
                        country=c,
                        needs=["step-free"] if i == 5 else [],
                    )
                    for i, c in enumerate(["France", "Kenya", "Chile"] * 2)
                ],
            )
        )
    )
    assert sorted(len(g.delegates) for g in run.plan.groups) == [3, 3]
    careful = run.group_of("A5")
    assert all(run.scenario.venues[s.venue].step_free for s in careful.stops)
    (other,) = [g for g in run.plan.groups if g is not careful]
    assert "stairs-lab" in {s.venue for s in _visits(other)}


def test_step_free_groups_still_make_the_minimum_stops(tmp_path: Path) -> None:
    """Route ``alpha`` needs 2 stops. Of its venues, ``stairs-lab`` has steps and ``tiny-lab``
    takes 5 people, so a group with a step-free delegate can make 2 stops only if it has at
    most 5 people (``lab-a`` and ``tiny-lab``). Six delegates want the route, one needs
    step-free access, and there is one 40-seat coach.

    A plan may not put all six on the coach: the step-free group would then make one stop,
    below the route's minimum (this was a bug: the assignment ignored the step-free venues'
    group sizes). Five ride, one is told why, and the plan verifies.
    """
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[
                    venue("lab-a", 30.3000, 120.0300),
                    venue("stairs-lab", 30.2950, 120.0000, step_free=False),
                    venue("tiny-lab", 30.2800, 120.0000, max_group=5),
                    canteen(),
                ],
                routes=[
                    route("alpha", ["lab-a", "stairs-lab", "tiny-lab"], min_stops=2, max_stops=3)
                ],
                fleet=[("coach", 40, 1)],
                delegates=[
                    delegate(f"A{i}", ["alpha"], needs=["step-free"] if i == 0 else [])
                    for i in range(6)
                ],
            )
        )
    )
    (group,) = run.plan.groups
    assert len(group.delegates) == 5
    assert len(_visits(group)) >= 2
    (left,) = run.plan.unassigned
    assert "a bus of 40 seats carries at most 5" in left.reason


def test_more_delegates_than_a_bus_split_into_balanced_mixed_groups(tmp_path: Path) -> None:
    """25 delegates from five countries (five each) want route ``alpha``; buses are 10-seat
    vans, four a day; the venues receive three groups at once.

    Everyone can ride, and fewest buses is the last objective: 25 > 2 x 10 needs 3 vans and
    3 suffice. Balanced sizes for 25 over 3 are 9, 8, 8. Spreading each country of five over
    three groups puts 2, 2 and 1 of it in the groups: no group has more than 2 of a country.
    """
    countries = ["France", "Kenya", "Chile", "Japan", "Brazil"]
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[
                    venue("lab-a", 30.3000, 120.0300, concurrent_groups=3),
                    venue("lab-b", 30.2950, 120.0000, concurrent_groups=3),
                    canteen(),
                ],
                routes=[route("alpha", ["lab-a", "lab-b"])],
                fleet=[("van", 10, 4)],
                delegates=[
                    delegate(f"A{i:02d}", ["alpha"], country=c) for i, c in enumerate(countries * 5)
                ],
            )
        )
    )
    plan = run.plan
    assert plan.unassigned == []
    assert sorted(len(g.delegates) for g in plan.groups) == [8, 8, 9]
    country = {d.id: d.country for d in run.scenario.delegates}
    for group in plan.groups:
        mix = Counter(country[d] for d in group.delegates)
        assert len(mix) == 5
        assert max(mix.values()) <= 2


def test_a_full_fleet_leaves_a_delegate_out_naming_the_full_bus(tmp_path: Path) -> None:
    """Five delegates want route ``alpha`` and the fleet is one 4-seat van: four ride, the
    fifth cannot, and is told that the van was full and that it was the day's only bus."""
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[venue("lab-a", 30.3000, 120.0300), canteen()],
                routes=[route("alpha", ["lab-a"])],
                fleet=[("van", 4, 1)],
                delegates=[delegate(f"A{i}", ["alpha"]) for i in range(5)],
            )
        )
    )
    (group,) = run.plan.groups
    assert len(group.delegates) == 4
    (left,) = run.plan.unassigned
    assert left.reason == (
        "available 2024-11-14; alpha on 2024-11-14 was full (4 seats on 1 bus(es) for the "
        "5 delegates who could ride it); all 1 buses of that day were in use"
    )


def test_two_routes_and_one_bus_tell_who_lost_the_bus(tmp_path: Path) -> None:
    """Routes ``alpha`` and ``beta`` each have one delegate; the fleet is one van. Only one
    route can run; the other delegate is told that the day's only bus was taken."""
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[
                    venue("lab-a", 30.3000, 120.0300),
                    venue("lab-b", 30.2950, 120.0000),
                    canteen(),
                ],
                routes=[route("alpha", ["lab-a"]), route("beta", ["lab-b"])],
                fleet=[("van", 4, 1)],
                delegates=[delegate("A1", ["alpha"]), delegate("B1", ["beta"])],
            )
        )
    )
    (group,) = run.plan.groups
    (left,) = run.plan.unassigned
    other = "beta" if group.route == "alpha" else "alpha"
    assert left.reason == (
        "available 2024-11-14; on 2024-11-14 all 1 buses were taken by other route-days "
        f"({other} got none)"
    )


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    """Planning is deterministic: the same scenario and seed give byte-identical plans, in
    this process and in others whose string hashing differs (``PYTHONHASHSEED``), so no
    result depends on the iteration order of a set or a dict built from one."""
    scenario_file = write_scenario(
        tmp_path,
        venues=[
            venue("one-room", 30.2950, 120.0000, hours="09:00-11:00"),
            venue("lab-b", 30.3000, 120.0300, concurrent_groups=2),
            venue("lab-c", 30.2800, 120.0000, step_free=False),
            canteen(),
            canteen("small-canteen", max_group=8),
        ],
        routes=[
            route("alpha", ["one-room", "lab-b", "lab-c"], must_visit=["one-room"]),
            route("beta", ["one-room", "lab-b"], must_visit=["one-room"]),
        ],
        fleet=[("van", 4, 4)],
        dates=[THU, FRI],
        delegates=[
            delegate(
                f"D{i}",
                ["alpha", "beta"] if i % 2 else ["beta", "alpha"],
                country=c,
                needs=["step-free"] if i == 3 else [],
            )
            for i, c in enumerate(["France", "Kenya", "Chile", "Japan"] * 3)
        ],
    )
    scenario = load_scenario(scenario_file)
    first = run_plan(scenario, seed=3).plan.model_dump_json()
    second = run_plan(scenario, seed=3).plan.model_dump_json()
    assert first == second
    code = (
        "import sys\n"
        "from findhz.planner.loading import load_scenario\n"
        "from findhz.planner.planning import make_plan\n"
        "from findhz.planner.travel import build_matrix\n"
        "s = load_scenario(sys.argv[1])\n"
        "plan, _ = make_plan(s, build_matrix(s), time_limit_s=1.0, seed=3)\n"
        "sys.stdout.write(plan.model_dump_json())\n"
    )
    for hash_seed in ("1", "2"):
        other = subprocess.run(
            [sys.executable, "-c", code, str(scenario_file)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
        )
        assert other.stdout == first


def test_a_must_visit_taken_by_another_route_names_the_venue(tmp_path: Path) -> None:
    """Routes ``alpha`` (one delegate) and ``beta`` (two) must both visit ``one-room``, open
    09:00-10:00 for 60-minute visits, one group at a time: it receives one group that day.

    Only one route can run; the best plan (the worst-off delegate is left out either way,
    then most delegates placed) runs ``beta``, the route with more riders. ``A1`` must be
    told that ``one-room``'s only group of the day went to ``beta``, not a generic message.
    """
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[venue("one-room", 30.2950, 120.0000, hours="09:00-10:00"), canteen()],
                routes=[
                    route("alpha", ["one-room"], must_visit=["one-room"]),
                    route("beta", ["one-room"], must_visit=["one-room"]),
                ],
                delegates=[
                    delegate("A1", ["alpha"]),
                    delegate("B1", ["beta"]),
                    delegate("B2", ["beta"], country="Kenya"),
                ],
            )
        )
    )
    assert [(g.route, g.delegates) for g in run.plan.groups] == [("beta", ["B1", "B2"])]
    assert run.reason_of("A1") == (
        "available 2024-11-14; alpha on 2024-11-14: its must-visit one-room receives at most "
        "1 group(s) that day (09:00-10:00, 60-minute visits, 1 at a time), all taken by "
        "beta (1 bus(es))"
    )


def test_an_impossible_minimum_is_explained_not_fatal(tmp_path: Path) -> None:
    """Route ``alpha`` needs two stops, but both its venues are open only 09:00-10:00 for
    60-minute visits: at most one fits in a day. The assignment counts two open venues and
    runs the route-day, so the day's timetable cannot give ``alpha`` its minimum.

    The plan must not fail as a whole (route ``beta`` runs normally): ``alpha``'s group makes
    the one visit that fits, at 09:00, and an explanation says it is below the minimum.
    """
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[
                    venue("dawn-a", 30.2950, 120.0000, hours="09:00-10:00"),
                    venue("dawn-b", 30.3000, 120.0300, hours="09:00-10:00"),
                    venue("lab", 30.2800, 120.0000),
                    canteen(),
                ],
                routes=[
                    route("alpha", ["dawn-a", "dawn-b"], min_stops=2, max_stops=2),
                    route("beta", ["lab"]),
                ],
                delegates=[delegate("A1", ["alpha"]), delegate("B1", ["beta"])],
            )
        )
    )
    alpha, beta = run.plan.groups
    assert (alpha.route, alpha.delegates, beta.route, beta.delegates) == (
        "alpha",
        ["A1"],
        "beta",
        ["B1"],
    )
    (visit,) = _visits(alpha)
    assert visit.venue in ("dawn-a", "dawn-b") and clock(visit.start) == "09:00"
    (explained,) = run.plan.explanations
    assert (explained.kind, explained.route, explained.date) == ("stop-bounds", "alpha", THU)
    assert alpha.id in explained.reason and "minimum of 2" in explained.reason


def test_a_day_without_lunch_names_the_lunch_venues(tmp_path: Path) -> None:
    """The only lunch venue, ``canteen``, is closed on Friday 15 (its ``closed`` list): route
    ``alpha`` cannot run that day, whatever else is open, and the explanation shows the
    canteen's hours against the lunch rule so a coordinator can find another lunch."""
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[venue("lab", 30.3000, 120.0300), canteen(closed=[FRI])],
                routes=[route("alpha", ["lab"])],
                dates=[THU, FRI],
                delegates=[delegate("A1", ["alpha"]), delegate("A2", ["alpha"], available=[FRI])],
            )
        )
    )
    assert [(g.date, g.delegates) for g in run.plan.groups] == [(THU, ["A1"])]
    why = (
        "no venue serves a group lunch on 2024-11-15: a 60-minute lunch starting between "
        "11:30 and 13:00 fits none of canteen (closed)"
    )
    (not_run,) = [e for e in run.plan.explanations if e.kind == "route-day-not-run"]
    assert not_run.reason == f"route alpha cannot run on 2024-11-15: {why}"
    assert run.reason_of("A2") == f"available 2024-11-15; alpha cannot run on 2024-11-15 ({why})"


def test_no_bus_rides_out_with_nothing_left_to_visit(tmp_path: Path) -> None:
    """Routes ``alpha`` and ``beta`` (one delegate each) have one venue, ``one-room``, open
    09:00-10:00 for 60-minute visits, one group at a time; neither must visit it.

    ``one-room`` receives one group that day, so only one bus can make the routes' one stop.
    A second bus would ride out for lunch alone (this was a bug: the assignment counted the
    venues' daily capacity only for must-visits, and the day's schedule then excused the
    empty bus as below the route's minimum). The best plan runs one route and tells the
    other delegate that ``one-room``'s one visit went to the other route.
    """
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[venue("one-room", 30.2950, 120.0000, hours="09:00-10:00"), canteen()],
                routes=[route("alpha", ["one-room"]), route("beta", ["one-room"])],
                delegates=[delegate("A1", ["alpha"]), delegate("B1", ["beta"], country="Kenya")],
            )
        )
    )
    (group,) = run.plan.groups
    assert _kinds(group) == ["depart", "visit:one-room", "lunch:canteen", "return"]
    (left,) = run.plan.unassigned
    other = "beta" if group.route == "alpha" else "alpha"
    assert left.reason == (
        f"available 2024-11-14; {other} on 2024-11-14: its venues that day (one-room) can "
        f"receive 1 group visit(s) in all and each bus needs 1 stop(s); they went to "
        f"{group.route} (1 bus(es))"
    )
    assert run.plan.explanations == [
        e for e in run.plan.explanations if e.kind == "delegate-unassigned"
    ]


def test_a_full_route_day_says_its_venues_take_no_more_buses(tmp_path: Path) -> None:
    """Seven delegates want route ``alpha``, whose only venue ``room`` is open 09:00-11:00
    for 60-minute visits, one group at a time: two groups a day. Buses are 3-seat vans,
    three a day. Two vans run (six delegates); a third would have nothing to visit. The
    seventh delegate is told both that the vans were full and why no third one ran."""
    run = _verified(
        run_plan(
            load(
                tmp_path,
                venues=[venue("room", 30.2950, 120.0000, hours="09:00-11:00"), canteen()],
                routes=[route("alpha", ["room"])],
                fleet=[("van", 3, 3)],
                delegates=[
                    delegate(f"A{i}", ["alpha"], country=("Chile", "Kenya")[i % 2])
                    for i in range(7)
                ],
            )
        )
    )
    assert sorted(len(g.delegates) for g in run.plan.groups) == [3, 3]
    (left,) = run.plan.unassigned
    assert left.reason == (
        "available 2024-11-14; alpha on 2024-11-14 was full (6 seats on 2 bus(es) for the 7 "
        "delegates who could ride it); no more buses: its venues that day (room) can receive "
        "2 group visit(s) in all and each bus needs 1 stop(s); they went to alpha (2 bus(es))"
    )


def test_a_tiny_day_is_planned_on_two_vans(tmp_path: Path) -> None:
    """Two vans, one venue with two visit slots, one canteen: the search space is a handful
    of tours. (Whether the wall-clock cap or the work budget stopped the search is a
    property of the machine's load, reported in ``run.json`` and tested with a forced cap in
    ``test_wall_cap.py``, not asserted here.)"""
    run = run_plan(
        load(
            tmp_path,
            venues=[venue("room", 30.2950, 120.0000, hours="09:00-11:00"), canteen()],
            routes=[route("alpha", ["room"])],
            fleet=[("van", 3, 2)],
            delegates=[delegate(f"A{i}", ["alpha"]) for i in range(6)],
        )
    )
    assert len(run.plan.groups) == 2
    assert all(any(s.venue == "room" for s in g.stops) for g in run.plan.groups)

"""Pins: the coordinator fixes a delegate on a route-day; planning keeps it; a pin that
cannot hold is one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from findhz.planner.assign import assign
from findhz.planner.errors import InputError
from findhz.planner.verify import verify_plan

from .factory import FRI, THU, canteen, delegate, load, route, run_plan, venue


def _two_routes(pins: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "venues": [
            venue("hall", 30.2950, 120.0000, max_group=40),
            venue("lab", 30.3000, 120.0300, max_group=40),
            canteen(max_group=80),
        ],
        "routes": [route("energy", ["hall"]), route("health", ["lab"])],
        "delegates": [delegate(f"P{i:02d}", ["energy", "health"]) for i in range(6)],
        "dates": (THU, FRI),
        "settings": {"pins": pins},
    }
    args.update(kwargs)
    return args


def test_a_pinned_delegate_rides_their_second_choice_on_the_pinned_day(tmp_path: Path) -> None:
    pin = {"delegate": "P03", "route": "health", "date": FRI.isoformat()}
    run = run_plan(load(tmp_path, **_two_routes([pin])), time_limit_s=1.0)
    assert verify_plan(run.plan, run.scenario) == []
    rides = [(g.route, g.date) for g in run.plan.groups if "P03" in g.delegates]
    assert rides == [("health", FRI)]
    # Without the pin the same delegate rides their first choice.
    free = run_plan(load(tmp_path / "free", **_two_routes([])), time_limit_s=1.0)
    assert [g.route for g in free.plan.groups if "P03" in g.delegates] == ["energy"]


@pytest.mark.parametrize(
    ("pin", "expected"),
    [
        ({"delegate": "P09", "route": "health", "date": THU}, "pins[0].delegate: no delegate P09"),
        ({"delegate": "P01", "route": "solar", "date": THU}, "pins[0].route: unknown route"),
        ({"delegate": "P01", "route": "health", "date": "2024-12-01"}, "pins[0].date: 2024-12-01"),
        ({"delegate": "P01", "route": "health"}, "pins[0]: "),
        ({"group": "g", "delegate": "P01"}, "pins[0]: "),
    ],
)
def test_a_malformed_pin_is_one_line(tmp_path: Path, pin: dict[str, Any], expected: str) -> None:
    pin = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in pin.items()}
    with pytest.raises(InputError) as caught:
        load(tmp_path, **_two_routes([pin]))
    lines = str(caught.value).splitlines()
    assert len(lines) == 1, lines
    assert "scenario.yaml" in lines[0] and expected in lines[0], lines[0]


def test_a_pin_on_a_route_they_did_not_choose_is_refused(tmp_path: Path) -> None:
    delegates = [delegate("P00", ["energy"]), delegate("P01", ["health"])]
    pin = {"delegate": "P00", "route": "health", "date": THU.isoformat()}
    with pytest.raises(InputError, match=r"pins\[0\]\.route: route 'health' is not among P00"):
        load(tmp_path, **_two_routes([pin], delegates=delegates))


def test_pins_that_do_not_fit_the_buses_are_one_clear_line(tmp_path: Path) -> None:
    pins = [{"delegate": f"P{i:02d}", "route": "health", "date": THU.isoformat()} for i in range(6)]
    scenario = load(tmp_path, **_two_routes(pins, fleet=(("van", 4, 1),)))
    with pytest.raises(InputError) as caught:
        assign(scenario, time_limit_s=1.0)
    lines = str(caught.value).splitlines()
    assert len(lines) == 1 and "pins" in lines[0] and "do not all fit" in lines[0]

"""A version's summary as a typed record: the JSON stored in ``versions.summary`` keeps its keys
and numbers, summaries stored before a figure existed still load, and the pages show the same
figures from the record as they did from the dictionary."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from findhz.planner.metrics import ChangeSummary
from findhz.planner.models import Plan, Scenario
from findhz.web.app import _env
from findhz.web.store import DB_NAME, Store
from findhz.web.summary import VersionSummary
from findhz.web.worker import plan_summary, version_folder

# A re-plan's summary as the web app stored it before the record (``json.dumps`` of a dict).
STORED_REPLAN = (
    '{"groups": 31, "delegates": 152, "placed": 150, "unassigned": 2, "explanations": 3, '
    '"satisfaction_worst": 60, "satisfaction_total": 27440, '
    '"rides_by_interest_rank": {"1": 240, "2": 41, "3": 6}, "visits": 118, '
    '"bus_hours": 212.4, "seats": 1420, "cost_cny": 129600, '
    '"cost_cny_by_date": {"2024-09-28": 64800, "2024-09-29": 64800}, '
    '"change": {"delegates_moved": 1, "delegates_shifted": 2, "delegates_cut_short": 0, '
    '"delegates_dropped": 0, "delegates_joined": 3, "stops_changed": 4}}'
)
# A summary stored by the first web app: no satisfaction by rank, no money, no change.
STORED_FIRST = (
    '{"groups": 12, "delegates": 40, "placed": 38, "unassigned": 2, "explanations": 1, '
    '"satisfaction_worst": null, "satisfaction_total": 3300, "visits": 30, '
    '"bus_hours": 61.0, "seats": 560}'
)


def test_a_stored_summary_loads_and_writes_the_same_json() -> None:
    summary = VersionSummary.model_validate_json(STORED_REPLAN)
    assert summary.cost_cny == 129600 and summary.bus_hours == 212.4
    assert summary.rides_by_interest_rank == {"1": 240, "2": 41, "3": 6}
    assert summary.change is not None and summary.change.delegates_joined == 3
    written = json.loads(summary.model_dump_json())
    stored = json.loads(STORED_REPLAN)
    assert written == stored
    assert list(written) == list(stored)  # and in the same order
    assert list(written["change"]) == list(stored["change"])
    with pytest.raises(ValidationError):
        summary.placed = 0  # type: ignore[misc]  # frozen


def test_a_summary_stored_before_the_newer_figures_loads_with_defaults() -> None:
    summary = VersionSummary.model_validate_json(STORED_FIRST)
    assert (summary.placed, summary.delegates, summary.groups) == (38, 40, 12)
    assert summary.satisfaction_worst is None and summary.satisfaction_total == 3300
    assert summary.rides_by_interest_rank == {} and summary.cost_cny_by_date == {}
    assert summary.cost_cny is None and summary.change is None
    # a re-plan stored before a cut-short day was told apart
    change = json.loads(STORED_REPLAN)["change"]
    del change["delegates_cut_short"]
    older = VersionSummary.model_validate({**json.loads(STORED_REPLAN), "change": change})
    assert older.change is not None and older.change.delegates_cut_short is None
    assert "delegates_cut_short" not in json.loads(older.model_dump_json())["change"]


def test_plan_summary_is_the_plans_figures_and_round_trips(
    sample_plan: Plan, sample_scenario: Scenario
) -> None:
    summary = plan_summary(sample_plan, sample_scenario)
    assert summary.groups == len(sample_plan.groups)
    assert summary.delegates == len(sample_scenario.delegates)
    assert summary.placed == len({d for g in sample_plan.groups for d in g.delegates})
    assert summary.unassigned == len(sample_plan.unassigned)
    assert summary.seats == sum(g.seats for g in sample_plan.groups)
    assert sum(summary.rides_by_interest_rank.values()) > 0
    assert summary.change is None
    text = summary.model_dump_json()
    # the keys today's stored summaries have, and no "change" key for a plan
    assert list(json.loads(text)) == [k for k in json.loads(STORED_REPLAN) if k != "change"]
    assert VersionSummary.model_validate_json(text) == summary
    change = ChangeSummary(
        delegates_moved=1,
        delegates_shifted=0,
        delegates_cut_short=0,
        delegates_dropped=0,
        delegates_joined=0,
        stops_changed=2,
    )
    replanned = plan_summary(sample_plan, sample_scenario, change=change)
    assert VersionSummary.model_validate_json(replanned.model_dump_json()).change == change


def _version_page(summary: VersionSummary, plan: Plan) -> str:
    return _env.get_template("version.html").render(
        event={"id": "e", "name": "An event"},
        version={"number": 2, "created_at": "now", "created_by": "Ann", "base_url": None},
        plan=plan,
        costs=None,
        changes=None,
        published_zip=False,
        summary=summary,
        charts=[],
        others=[],
        metrics=plan.metrics,
        csrf="x",
        who="Ann",
    )


def test_the_review_page_shows_the_stored_figures(sample_plan: Plan) -> None:
    page = _version_page(VersionSummary.model_validate_json(STORED_REPLAN), sample_plan)
    assert "150 of 152" in page and "31, 1420 seats, 212.4 bus hours" in page
    assert "worst-off delegate 60, total 27440" in page
    assert "98 % of rides are a first or second choice" in page  # (240 + 41) / 287
    assert "choice 1: 240, choice 2: 41, choice 3: 6" in page
    assert (
        "1 delegate(s) moved, 2 shifted, 0 cut short, 0 dropped, 3 joined, 4 stop(s) changed"
        in page
    )
    old = _version_page(VersionSummary.model_validate_json(STORED_FIRST), sample_plan)
    assert "38 of 40" in old and 'id="change"' not in old
    assert "12, 560 seats, 61.0 bus hours" in old


def _store_version(data_dir: Path, event_id: str, number: int, text: str, plan: Plan) -> None:
    with sqlite3.connect(data_dir / DB_NAME) as con:
        run = con.execute(
            "INSERT INTO runs (event_id, status, seed, time_limit, started_at, who) "
            "VALUES (?, 'done', 0, 1, ?, 'Ann')",
            (event_id, dt.datetime.now(dt.UTC).isoformat()),
        ).lastrowid
        assert run is not None
        con.execute(
            "INSERT INTO versions (event_id, number, run_id, folder, summary, created_at, "
            "created_by) VALUES (?, ?, ?, ?, ?, 'now', 'Ann')",
            (event_id, number, run, f"run-{run}", text),
        )
    folder = version_folder(Store(data_dir), event_id, run)
    folder.mkdir(parents=True)
    (folder / "plan.json").write_text(plan.model_dump_json(), encoding="utf-8")


def test_the_event_and_compare_pages_show_stored_summaries(
    client: httpx.Client, data_dir: Path, sample_plan: Plan
) -> None:
    event = "example-findhz-2024"
    assert client.get(f"/events/{event}").status_code == 200
    _store_version(data_dir, event, 1, STORED_FIRST, sample_plan)
    _store_version(data_dir, event, 2, STORED_REPLAN, sample_plan)
    page = client.get(f"/events/{event}").text
    assert "<td>150 / 152</td><td>2</td><td>31</td><td>212.4</td><td>129,600</td>" in page
    assert "<td>60 / 27440</td>" in page
    # the first web app's summary: no money, no worst-off figure
    assert "<td>38 / 40</td><td>2</td><td>12</td><td>61.0</td><td></td>" in page
    assert "<td>None / 3300</td>" in page
    compare = client.get(f"/events/{event}/compare", params={"a": 1, "b": 2})
    assert compare.status_code == 200, compare.text[:500]
    assert "<th>Placed</th><td>38</td><td>150</td>" in compare.text
    assert "<th>Cost (CNY)</th><td>None</td><td>129600</td>" in compare.text
    assert "<th>Bus hours</th><td>61.0</td><td>212.4</td>" in compare.text


def test_pins_and_closures_are_stored_and_read_back_as_records(data_dir: Path) -> None:
    from findhz.planner.changes import VenueClosed
    from findhz.web.events import CloseEdit, PinEdit, adjustment_of_edit, changes_of_edits

    store = Store(data_dir)
    store.migrate()
    with store.transaction() as con:
        con.execute(
            "INSERT INTO events (id, name, created_at, created_by) "
            "VALUES ('e', 'An event', 'now', 'Ann')"
        )
    day = dt.date(2024, 9, 28)
    store.record_edit("e", "pin", PinEdit(delegate="D-1", route="ai", date=day), "Ann")
    store.record_edit("e", "close", CloseEdit(venue="v-2", date=day), "Ann")
    rows = store.rows("SELECT kind, detail FROM edits WHERE event_id = 'e' ORDER BY id")
    # the same JSON as the dictionaries stored before (the event page shows it as text)
    assert [r["detail"] for r in rows] == [
        '{"delegate": "D-1", "route": "ai", "date": "2024-09-28"}',
        '{"venue": "v-2", "date": "2024-09-28"}',
    ]
    edits = [adjustment_of_edit(r["kind"], r["detail"]) for r in rows]
    assert edits == [
        PinEdit(delegate="D-1", route="ai", date=day),
        CloseEdit(venue="v-2", date=day),
    ]
    closed = [c for c in changes_of_edits(edits) if isinstance(c, VenueClosed)]
    assert [(c.venue, c.date) for c in closed] == [("v-2", day)]
    with pytest.raises(ValueError, match="not a pin or a closure"):
        adjustment_of_edit("lock", '{"group": "g1"}')


def test_a_runs_state_answers_the_same_json(
    client: httpx.Client, data_dir: Path, sample_plan: Plan
) -> None:
    event = "example-findhz-2024"
    assert client.get(f"/events/{event}").status_code == 200
    _store_version(data_dir, event, 1, STORED_FIRST, sample_plan)
    run = Store(data_dir).rows("SELECT id FROM runs WHERE event_id = ?", event)[-1]["id"]
    state = client.get(f"/runs/{run}.json").json()
    assert state == {
        "id": run,
        "event": event,
        "status": "done",
        "message": "",
        "progress": 0,
        "version": 1,
    }
    page = client.get(f"/runs/{run}").text
    assert f'href="/events/{event}/versions/1">Review version 1</a>' in page

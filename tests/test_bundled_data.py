"""The bundled data in ``routes/``: the venue catalogue, the 11 routes and the two scenarios.

Loads every file with the models and checks what an edit could break: ids and references,
coordinates inside the Hangzhou region, lunch within reach of every route, must-visit venues
open on every scenario date, delegates that can all be placed, and the delegates generator
reproducing the committed tables.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
import io
import itertools
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from geopy.distance import geodesic

from findhz.planner.bundled import bundled_routes
from findhz.planner.loading import load_scenario
from findhz.planner.models import RouteCatalogue, Scenario, ScenarioSpec, Venue, VenueCatalogue
from findhz.planner.travel import TravelMatrix, build_matrix

ROUTES = bundled_routes()
REPO = ROUTES.parent
LAT_RANGE = (29.1, 30.6)
LON_RANGE = (118.3, 120.8)
LUNCH_REACH_KM = 12.0
# Candidate venues that are deliberately far from everything (optional, low weight).
EXCURSIONS = {"jiande-aviation-town"}

# What each bundled scenario promises, and the generator arguments that made its delegates.
SCENARIOS = {
    "findhz-2024": {
        "delegates": 152,
        "countries": 37,
        "args": [
            *("--count", "60", "--countries", "24", "--seed", "2024"),
            *("--dates", "2024-09-27,2024-09-28,2024-09-29"),
            *("--delegation", "green-energy:72:18:2024-09-28"),
            *("--delegation", "biomedicine:20:8:2024-09-28"),
        ],
    },
    "conference-300": {
        "delegates": 300,
        "countries": 32,
        "args": [
            *("--count", "300", "--countries", "32", "--seed", "300"),
            *("--dates", "2024-11-19,2024-11-20,2024-11-21"),
        ],
    },
}


@pytest.fixture(scope="module")
def venues() -> dict[str, Venue]:
    text = (ROUTES / "venues.yaml").read_text(encoding="utf-8")
    catalogue = VenueCatalogue.model_validate(yaml.safe_load(text))
    return {v.id: v for v in catalogue.venues}


@pytest.fixture(scope="module")
def routes() -> RouteCatalogue:
    text = (ROUTES / "themes.yaml").read_text(encoding="utf-8")
    return RouteCatalogue.model_validate(yaml.safe_load(text))


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def scenario(request: pytest.FixtureRequest) -> Scenario:
    return load_scenario(ROUTES / "scenarios" / f"{request.param}.yaml")


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_delegates", REPO / "scripts" / "make_delegates.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def _km(a: Venue, b: Venue) -> float:
    return float(geodesic((a.location.lat, a.location.lon), (b.location.lat, b.location.lon)).km)


# --- venues ---------------------------------------------------------------------------------


def test_venue_ids_are_unique() -> None:
    data = yaml.safe_load((ROUTES / "venues.yaml").read_text(encoding="utf-8"))
    ids = Counter(v["id"] for v in data["venues"])
    assert [i for i, n in ids.items() if n > 1] == []


def test_catalogue_is_large_and_mixed(venues: dict[str, Venue]) -> None:
    assert len(venues) >= 62
    kinds = Counter(v.kind for v in venues.values())
    for kind in ("research_platform", "university", "park", "enterprise", "hotel"):
        assert kinds[kind] >= 2, kind
    assert sum(v.lunch for v in venues.values()) >= 10


def test_every_coordinate_is_in_the_hangzhou_region(venues: dict[str, Venue]) -> None:
    outside = [
        v.id
        for v in venues.values()
        if not (LAT_RANGE[0] <= v.location.lat <= LAT_RANGE[1])
        or not (LON_RANGE[0] <= v.location.lon <= LON_RANGE[1])
    ]
    assert outside == []


def test_every_coordinate_says_where_it_came_from(venues: dict[str, Venue]) -> None:
    assert [v.id for v in venues.values() if len(v.location.source) < 15] == []
    levels = Counter(v.location.confidence for v in venues.values())
    # Most points are rough; the catalogue must not pretend otherwise.
    assert levels["low"] > levels["high"]


def test_assumed_names_real_fields(venues: dict[str, Venue]) -> None:
    fields = set(Venue.model_fields)
    for v in venues.values():
        assert set(v.assumed) <= fields, v.id
        assert "hours" in v.assumed, v.id  # no host confirmed its hours


def test_lunch_venues_serve_inside_the_lunch_window(venues: dict[str, Venue]) -> None:
    for v in venues.values():
        if v.lunch:
            friday = v.windows_on(dt.date(2024, 11, 22))
            assert any(w.start <= 12 * 60 and w.end >= 13 * 60 for w in friday), v.id


# --- routes ---------------------------------------------------------------------------------


def test_eleven_routes_with_unique_ids_and_colours(routes: RouteCatalogue) -> None:
    assert len(routes.routes) == 11
    assert len({r.id for r in routes.routes}) == 11
    assert len({r.color.lower() for r in routes.routes}) == 11


def test_route_venues_exist_and_must_visit_is_in_the_pool(
    routes: RouteCatalogue, venues: dict[str, Venue]
) -> None:
    for route in routes.routes:
        pool = [v.id for v in route.venues]
        assert len(pool) == len(set(pool)), route.id
        assert 5 <= len(pool) <= 8, route.id
        assert set(pool) <= set(venues), route.id
        assert set(route.must_visit) <= set(pool), route.id
        assert len(route.must_visit) <= 2, route.id
        assert route.min_stops <= len(pool) and route.max_stops <= 5, route.id


def test_anchor_has_the_highest_weight(routes: RouteCatalogue) -> None:
    for route in routes.routes:
        top = max(v.weight for v in route.venues)
        for anchor in route.must_visit:
            assert route.weight(anchor) == top, route.id


def test_excursions_stay_optional(routes: RouteCatalogue) -> None:
    for route in routes.routes:
        for far in EXCURSIONS:
            assert far not in route.must_visit
            assert route.weight(far) <= 2


def test_every_route_venue_has_lunch_for_a_coach_within_reach(
    routes: RouteCatalogue, venues: dict[str, Venue]
) -> None:
    # A full coach (49 seats) must be able to lunch near every candidate venue.
    lunch = [v for v in venues.values() if v.lunch and v.max_group >= 49]
    for route in routes.routes:
        for candidate in route.venues:
            if candidate.id in EXCURSIONS:
                continue
            nearest = min(_km(venues[candidate.id], other) for other in lunch)
            assert nearest <= LUNCH_REACH_KM, (route.id, candidate.id, nearest)


# --- scenarios ------------------------------------------------------------------------------


def test_scenario_header_points_at_the_schema() -> None:
    for name in SCENARIOS:
        first = (ROUTES / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8").splitlines()[0]
        assert first == "# yaml-language-server: $schema=../schemas/scenario.schema.json"
    for name, schema in (("venues", "venues"), ("themes", "themes")):
        first = (ROUTES / f"{name}.yaml").read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=schemas/{schema}.schema.json"


def test_default_scenario_is_the_conference_weekend() -> None:
    text = (ROUTES / "scenarios" / "findhz-2024.yaml").read_text(encoding="utf-8")
    spec = ScenarioSpec.model_validate(yaml.safe_load(text))
    assert spec.dates == [dt.date(2024, 9, 27), dt.date(2024, 9, 28), dt.date(2024, 9, 29)]
    assert spec.base == "hiec" and spec.timezone == "Asia/Shanghai"
    assert spec.routes is None and spec.synthetic
    assert {c.phone for c in spec.contacts} == {"110", "120", "12345"}


def test_default_scenario_holds_the_documented_day() -> None:
    """28 September 2024: 70+ PhDs from 18 countries and regions on the digital-energy route,
    which runs that day only, and the digital-medicine route with the returned-scholars town."""
    scenario = load_scenario(ROUTES / "scenarios" / "findhz-2024.yaml")
    talent_day = dt.date(2024, 9, 28)
    assert scenario.spec.route_settings["green-energy"].dates == [talent_day]
    assert "qiantang-smart-city" in scenario.routes["green-energy"].must_visit
    delegation = [
        d
        for d in scenario.delegates
        if d.interests[0] == "green-energy" and scenario.delegate_dates(d) == [talent_day]
    ]
    assert len(delegation) > 70
    assert len({d.country for d in delegation}) >= 18
    assert "wrsa-returnee-town" in {v.id for v in scenario.routes["biomedicine"].venues}
    # Nobody knows where the returned-scholars town is: the catalogue must not pretend.
    assert scenario.venues["wrsa-returnee-town"].location.confidence == "unknown"
    assert "placeholder" in scenario.venues["wrsa-returnee-town"].location.source
    others = {d.interests[0] for d in scenario.delegates} - {"green-energy", "biomedicine"}
    assert len(others) >= 6  # the other routes carry their own delegates


def test_scenario_is_synthetic_and_delivers_its_promise(scenario: Scenario) -> None:
    promise = SCENARIOS[scenario.id]
    assert scenario.spec.synthetic
    assert len(scenario.delegates) == promise["delegates"]
    assert len({d.country for d in scenario.delegates}) == promise["countries"]


def test_every_interest_is_a_running_route(scenario: Scenario) -> None:
    running = {r.id for r in scenario.running_routes}
    for d in scenario.delegates:
        assert 2 <= len(d.interests) <= 4, d.id
        assert len(set(d.interests)) == len(d.interests), d.id
        assert set(d.interests) <= running, d.id


def test_must_visit_venues_open_on_every_date(scenario: Scenario) -> None:
    for route in scenario.running_routes:
        for vid in route.must_visit:
            visit = scenario.venues[vid].visit_min
            for date in scenario.dates:
                windows = scenario.opening(vid, date)
                assert any(w.end - w.start >= visit for w in windows), (route.id, vid, date)


def test_fleet_seats_everyone_available_each_day(scenario: Scenario) -> None:
    seats = sum(b.seats * b.count for b in scenario.spec.fleet)
    buses = sum(b.count for b in scenario.spec.fleet)
    for date in scenario.dates:
        riders = sum(1 for d in scenario.delegates if date in scenario.delegate_dates(d))
        assert riders * 1.3 <= seats, date
    assert buses * len(scenario.dates) >= len(scenario.running_routes)


def test_step_free_delegates_have_a_route_they_can_ride(scenario: Scenario) -> None:
    def rideable(route_id: str) -> bool:
        route = scenario.routes[route_id]
        if not all(scenario.venues[m].step_free for m in route.must_visit):
            return False
        return sum(scenario.venues[v.id].step_free for v in route.venues) >= route.min_stops

    needing = [d for d in scenario.delegates if d.step_free]
    assert needing, "the scenario should exercise step-free access"
    for d in needing:
        assert rideable(d.interests[0]), d.id


def test_delegates_table_marks_every_row_synthetic() -> None:
    for name in SCENARIOS:
        path = ROUTES / "scenarios" / f"{name}-delegates.csv"
        rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
        assert rows and {r["note"] for r in rows} == {"synthetic"}
        assert len({r["name"] for r in rows}) == len(rows)


def test_xlsx_holds_the_same_table_as_the_csv() -> None:
    import openpyxl

    for name in SCENARIOS:
        base = ROUTES / "scenarios" / f"{name}-delegates"
        book = openpyxl.load_workbook(base.with_suffix(".xlsx"), read_only=True)
        try:
            assert book.sheetnames[0] == "delegates"
            cells = [
                ["" if c is None else str(c) for c in row]
                for row in book.worksheets[0].iter_rows(values_only=True)
            ]
        finally:
            book.close()
        text = base.with_suffix(".csv").read_text(encoding="utf-8")
        assert cells == list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_generator_reproduces_the_committed_table(name: str, tmp_path: Path) -> None:
    out = tmp_path / f"{name}-delegates"
    args = [*SCENARIOS[name]["args"], "--out", str(out)]
    assert _generator().main(args) == 0
    committed = ROUTES / "scenarios" / f"{name}-delegates.csv"
    assert out.with_suffix(".csv").read_bytes() == committed.read_bytes()
    assert out.with_suffix(".xlsx").stat().st_size > 0


def test_generator_changes_with_the_seed(tmp_path: Path) -> None:
    generator = _generator()
    for seed in (1, 2):
        args = ["--count", "20", "--countries", "5", "--seed", str(seed)]
        assert generator.main([*args, "--out", str(tmp_path / f"s{seed}")]) == 0
    first = (tmp_path / "s1.csv").read_bytes()
    assert first != (tmp_path / "s2.csv").read_bytes()
    rows = list(csv.DictReader(io.StringIO(first.decode("utf-8"))))
    assert len(rows) == 20 and len({r["country"] for r in rows}) == 5


def _fits(
    scenario: Scenario, venue: str, start: float, minutes: int, date: dt.date
) -> float | None:
    """When a stay of ``minutes`` from ``start`` (or later) can begin at ``venue``, if it can."""
    for window in scenario.opening(venue, date):
        begin = max(start, window.start)
        if begin + minutes <= window.end:
            return begin
    return None


def _day_fits(
    scenario: Scenario,
    matrix: TravelMatrix,
    stops: tuple[str, ...],
    lunch_after: int,
    lunch_at: str,
    date: dt.date,
) -> bool:
    spec = scenario.spec
    clock: float = spec.day.start
    here = spec.base
    for k, venue in enumerate(stops):
        clock += matrix.travel_s(here, venue, int(clock), date) / 60
        begin = _fits(scenario, venue, clock, scenario.venues[venue].visit_min, date)
        if begin is None:
            return False
        clock, here = begin + scenario.venues[venue].visit_min, venue
        if k == lunch_after:
            clock += matrix.travel_s(here, lunch_at, int(clock), date) / 60
            begin = max(clock, spec.lunch.window[0])
            if begin > spec.lunch.window[1]:
                return False
            if _fits(scenario, lunch_at, begin, spec.lunch.minutes, date) != begin:
                return False
            clock, here = begin + spec.lunch.minutes, lunch_at
    clock += matrix.travel_s(here, spec.base, int(clock), date) / 60
    return clock <= spec.day.end


def test_min_stops_and_lunch_fit_a_day_on_every_date(scenario: Scenario) -> None:
    """Some day of ``min_stops`` visits, must-visits included, plus lunch fits the day window.

    Travel times from the offline model; the lunch venue is one of the three nearest.
    """
    matrix = build_matrix(scenario, use_cache=False)
    lunch = [v for v in scenario.venues.values() if v.lunch]
    for route in scenario.running_routes:
        pool = [v.id for v in route.venues]
        for date in scenario.dates:
            found = False
            for stops in itertools.permutations(pool, route.min_stops):
                if not set(route.must_visit) <= set(stops):
                    continue
                for k, venue in enumerate(stops):
                    near = sorted(lunch, key=lambda v: _km(scenario.venues[venue], v))[:3]
                    if any(_day_fits(scenario, matrix, stops, k, v.id, date) for v in near):
                        found = True
                        break
                if found:
                    break
            assert found, (scenario.id, route.id, date)

"""Shared fixtures.

``sample_scenario`` and ``sample_plan``: a small hand-made scenario and plan for the output
tests (maps, pages, calendars, workbook): two days, three groups on two routes, a lunch stop,
a venue whose coordinate is a low-confidence estimate, a delegate with a Chinese name, a
delegate whose name is an HTML injection, and a delegate left out with a reason.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from findhz.planner.models import (
    Delegate,
    Group,
    Plan,
    Route,
    Scenario,
    ScenarioSpec,
    Stop,
    TravelInfo,
    Unassigned,
    Venue,
)

XSS_NAME = "<img src=x onerror=alert(1)>"
DAY1 = dt.date(2024, 9, 28)
DAY2 = dt.date(2024, 9, 29)
_CST = dt.timezone(dt.timedelta(hours=8))


def _venue(
    id: str,
    en: str,
    zh: str,
    kind: str,
    lat: float,
    lon: float,
    confidence: str,
    *,
    lunch: bool = False,
    what: tuple[str, str] | None = None,
    visit_min: int = 60,
    concurrent_groups: int = 1,
) -> Venue:
    data: dict[str, Any] = {
        "id": id,
        "name": {"en": en, "zh": zh},
        "kind": kind,
        "district": "Yuhang",
        "address": f"{zh}, Hangzhou",
        "location": {"lat": lat, "lon": lon, "confidence": confidence, "source": "test fixture"},
        "visit_min": visit_min,
        "max_group": 40,
        "concurrent_groups": concurrent_groups,
        "hours": {day: ["08:00-18:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat")},
        "languages": ["zh", "en"],
        "lunch": lunch,
    }
    if what is not None:
        data["description"] = {"en": what[0], "zh": what[1]}
    return Venue.model_validate(data)


def make_sample_scenario() -> Scenario:
    venues = [
        _venue("expo-hotel", "Expo Hotel", "博览酒店", "hotel", 30.2300, 120.2580, "high"),
        _venue(
            "zhejiang-lab",
            "Zhejiang Lab",
            "之江实验室",
            "research_platform",
            30.2590,
            119.8985,
            "low",
            what=("Intelligent computing cluster", "智能计算集群"),
        ),
        _venue(
            "westlake-univ",
            "Westlake University",
            "西湖大学",
            "university",
            30.3300,
            120.0340,
            "high",
            what=("AI and life-science labs", "人工智能与生命科学实验室"),
        ),
        _venue(
            "dream-town",
            "Dream Town",
            "梦想小镇",
            "park",
            30.2950,
            119.9980,
            "medium",
            what=("Start-up incubators", "创业孵化器"),
        ),
        _venue(
            "liangzhu-lab",
            "Liangzhu Laboratory",
            "良渚实验室",
            "research_platform",
            30.2965,
            119.9930,
            "medium",
            visit_min=50,
        ),
        _venue(
            "future-canteen",
            "Future Sci-Tech City Canteen",
            "未来科技城食堂",
            "restaurant",
            30.2870,
            120.0100,
            "high",
            lunch=True,
            concurrent_groups=2,
        ),
    ]
    routes = [
        Route.model_validate(
            {
                "id": "gen-ai",
                "title": {"en": "General AI", "zh": "通用人工智能"},
                "industries": ["general AI"],
                "color": "#d62728",
                "venues": [
                    {"id": "zhejiang-lab", "weight": 9},
                    {"id": "westlake-univ", "weight": 7},
                    {"id": "dream-town", "weight": 5},
                ],
                "min_stops": 1,
                "max_stops": 4,
            }
        ),
        Route.model_validate(
            {
                "id": "biomed",
                "title": {"en": "Biomedicine", "zh": "生物医药"},
                "industries": ["biomedicine"],
                "color": "#1f77b4",
                "venues": [
                    {"id": "liangzhu-lab", "weight": 9},
                    {"id": "westlake-univ", "weight": 6},
                ],
                "min_stops": 1,
                "max_stops": 3,
            }
        ),
    ]
    delegates = [
        Delegate(
            id="D001",
            name="Alice Martin",
            country="France",
            organisation="Sorbonne",
            field="machine learning",
            interests=["gen-ai", "biomed"],
            languages=["en", "fr"],
        ),
        Delegate(
            id="D002",
            name=XSS_NAME,
            country="Brazil",
            interests=["gen-ai"],
            languages=["en", "pt"],
            available=[DAY1],
        ),
        Delegate(
            id="D003",
            name="李明",
            country="Singapore",
            organisation="NUS",
            interests=["biomed", "gen-ai"],
            languages=["zh", "en"],
            needs=["step-free"],
        ),
        Delegate(
            id="D004",
            name="Oluwaseun Adeyemi",
            country="Nigeria",
            interests=["gen-ai"],
            languages=["en"],
        ),
        Delegate(
            id="D005",
            name="Hans Müller",
            country="Germany",
            interests=["biomed"],
            languages=["de", "en"],
            available=[DAY2],
        ),
    ]
    spec = ScenarioSpec.model_validate(
        {
            "id": "sample",
            "name": {"en": "Sample visits", "zh": "示例参访"},
            "dates": [DAY1, DAY2],
            "base": "expo-hotel",
            "day": {"start": "08:00", "end": "18:00"},
            "lunch": {"window": ["11:30", "13:00"], "minutes": 60},
            "fleet": [{"id": "coach-49", "seats": 49, "count": 2}],
            "rides": 2,
            "overrides": [{"venue": "*", "date": DAY2, "hours": ["08:00-18:00"]}],
            "delegates": "delegates.csv",
            "contacts": [
                {
                    "label": {"en": "Delegate help desk", "zh": "嘉宾服务台"},
                    "phone": "+86 571 0000 0000",
                },
                {"label": {"en": "Emergency", "zh": "紧急电话"}, "phone": "110 / 120"},
            ],
            "synthetic": True,
        }
    )
    return Scenario(
        spec=spec,
        venues={v.id: v for v in venues},
        routes={r.id: r for r in routes},
        delegates=tuple(delegates),
        source="sample.yaml",
    )


def _t(date: dt.date, clock: str | None) -> dt.datetime | None:
    if clock is None:
        return None
    hour, minute = (int(part) for part in clock.split(":"))
    return dt.datetime(date.year, date.month, date.day, hour, minute, tzinfo=_CST)


def _stops(date: dt.date, rows: list[tuple[Any, ...]]) -> list[Stop]:
    stops = []
    for kind, venue, arrive, start, end, depart, travel_s, distance_m in rows:
        stops.append(
            Stop(
                kind=kind,
                venue=venue,
                arrive=_t(date, arrive),
                start=_t(date, start),
                end=_t(date, end),
                depart=_t(date, depart),
                travel_s=travel_s,
                distance_m=distance_m,
            )
        )
    return stops


def make_sample_plan() -> Plan:
    groups = [
        Group(
            id=f"{DAY1}-gen-ai-1",
            route="gen-ai",
            date=DAY1,
            bus="coach-49",
            seats=49,
            delegates=["D001", "D002", "D004"],
            stops=_stops(
                DAY1,
                [
                    ("depart", "expo-hotel", None, None, None, "08:30", None, None),
                    ("visit", "zhejiang-lab", "09:25", "09:30", "10:30", "10:30", 3300, 41000),
                    ("visit", "dream-town", "10:45", "10:45", "11:45", "11:45", 900, 6200),
                    ("lunch", "future-canteen", "11:55", "12:00", "13:00", "13:00", 600, 2500),
                    ("visit", "westlake-univ", "13:20", "13:30", "14:30", "14:30", 1200, 7000),
                    ("return", "expo-hotel", "15:30", None, None, None, 3600, 33000),
                ],
            ),
        ),
        Group(
            id=f"{DAY1}-biomed-1",
            route="biomed",
            date=DAY1,
            bus="coach-49",
            seats=49,
            delegates=["D003"],
            stops=_stops(
                DAY1,
                [
                    ("depart", "expo-hotel", None, None, None, "08:40", None, None),
                    ("visit", "westlake-univ", "09:40", "09:40", "10:40", "10:40", 3600, 32000),
                    ("visit", "liangzhu-lab", "11:00", "11:00", "11:50", "11:50", 1200, 5000),
                    ("lunch", "future-canteen", "12:00", "12:00", "13:00", "13:00", 600, 1900),
                    ("return", "expo-hotel", "14:00", None, None, None, 3600, 31000),
                ],
            ),
        ),
        Group(
            id=f"{DAY2}-gen-ai-1",
            route="gen-ai",
            date=DAY2,
            bus="coach-49",
            seats=49,
            delegates=["D001", "D003", "D004"],
            stops=_stops(
                DAY2,
                [
                    ("depart", "expo-hotel", None, None, None, "08:30", None, None),
                    ("visit", "westlake-univ", "09:30", "09:30", "10:30", "10:30", 3600, 33000),
                    ("lunch", "future-canteen", "10:50", "11:40", "12:40", "12:40", 1200, 5000),
                    ("visit", "zhejiang-lab", "13:10", "13:10", "14:10", "14:10", 1800, 15000),
                    ("return", "expo-hotel", "15:10", None, None, None, 3600, 41000),
                ],
            ),
        ),
    ]
    return Plan(
        scenario="sample",
        timezone="Asia/Shanghai",
        seed=0,
        travel=TravelInfo(provider="offline"),
        groups=groups,
        unassigned=[
            Unassigned(delegate="D005", reason="no biomed group runs on 2024-09-29"),
        ],
        metrics={"assigned": 4},
    )


@pytest.fixture(scope="session")
def sample_scenario() -> Scenario:
    """Frozen models: one instance serves the whole session."""
    return make_sample_scenario()


@pytest.fixture(scope="session")
def sample_plan() -> Plan:
    return make_sample_plan()


#: Debian's Chromium, driven by Playwright (never a downloaded browser).
CHROMIUM = os.environ.get("FINDHZ_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Chromium for the browser tests of one module (maps and web app alike). One module at a
    time: Playwright's sync API allows one running instance per thread."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def bundled_output(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """The output folder ``findhz plan SCENARIO`` writes with its defaults, planned once per
    session (and per test worker) for each bundled scenario a test asks for. Tests that share
    one are marked ``xdist_group("bundled-plans")`` so they run on the same worker."""
    folders: dict[str, Path] = {}

    def output(scenario: str) -> Path:
        if scenario not in folders:
            work = tmp_path_factory.mktemp(f"bundled-{scenario}")
            out = work / "out"
            subprocess.run(
                [
                    *(sys.executable, "-c", "from findhz.cli import main; main()"),
                    *("plan", scenario, "--out", str(out)),
                ],
                check=True,
                capture_output=True,
                cwd=work,
            )
            folders[scenario] = out
        return folders[scenario]

    return output

"""Small named scenarios for the travel tests, built directly from the models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from findhz.planner.models import (
    Bilingual,
    Location,
    Route,
    Scenario,
    ScenarioSpec,
    TravelSettings,
    Venue,
)

#: A few real places in Hangzhou (WGS-84, rounded), enough to see plausible legs.
HANGZHOU = (
    ("west-lake", 30.2741, 120.1551),
    ("alibaba-xixi", 30.2799, 120.0266),
    ("binjiang-centre", 30.2084, 120.2120),
    ("zhejiang-lab", 30.2590, 119.8985),
    ("dream-town", 30.2920, 119.9990),
)


def make_venue(venue_id: str, lat: float, lon: float) -> Venue:
    return Venue(
        id=venue_id,
        name=Bilingual(en=venue_id.title(), zh="场馆"),
        kind="enterprise",
        district="Xihu",
        location=Location(lat=lat, lon=lon, confidence="medium", source="test"),
        visit_min=45,
        max_group=40,
    )


def make_scenario(
    points: Sequence[tuple[str, float, float]] = HANGZHOU,
    travel: TravelSettings | None = None,
    **spec: Any,
) -> Scenario:
    venues = {vid: make_venue(vid, lat, lon) for vid, lat, lon in points}
    fields: dict[str, Any] = {
        "id": "travel-test",
        "name": {"en": "Travel test", "zh": "测试"},
        "dates": [dt.date(2024, 9, 26)],
        "base": points[0][0],
        "day": {"start": "08:00", "end": "18:00"},
        "lunch": {"window": ["11:30", "13:00"], "minutes": 60},
        "fleet": [{"id": "coach", "seats": 45, "count": 2}],
        "delegates": "delegates.csv",
        "travel": travel or TravelSettings(),
        **spec,
    }
    # one route through every venue, so that all of them are in use (and in the matrix)
    every = Route.model_validate(
        {
            "id": "every-venue",
            "title": {"en": "Every venue", "zh": "全部"},
            "industries": ["test"],
            "color": "#1f77b4",
            "venues": [{"id": vid, "weight": 5} for vid in venues],
            "min_stops": 1,
            "max_stops": 4,
        }
    )
    return Scenario(
        spec=ScenarioSpec.model_validate(fields),
        venues=venues,
        routes={every.id: every},
        delegates=(),
        source="travel-test.yaml",
    )


@pytest.fixture
def scenario() -> Scenario:
    return make_scenario()


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own cache folder and no AMap key from the environment."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("FINDHZ_CACHE_DIR", str(cache))
    monkeypatch.delenv("FINDHZ_AMAP_KEY", raising=False)
    yield cache

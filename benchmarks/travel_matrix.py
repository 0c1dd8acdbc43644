"""How long the offline travel matrix takes: 300 venues, every band, through build_matrix.

Run: ``python benchmarks/travel_matrix.py [--venues 300] [--runs 7]``. Venues are spread
at random (fixed seed) over greater Hangzhou; the figure is the median wall time of
``build_matrix(scenario)`` (geodesics, detour, four bands, rounding, the read-only matrix),
after one warm-up run. It also checks the vectorised geodesics against geopy on a sample.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time

import numpy as np
from geopy.distance import geodesic

from findhz.planner.models import Bilingual, Location, Scenario, ScenarioSpec, Venue
from findhz.planner.travel import build_matrix
from findhz.planner.travel.offline import geodesic_m


def scenario(n: int, seed: int) -> Scenario:
    rng = np.random.default_rng(seed)
    lat = rng.uniform(29.95, 30.55, n)
    lon = rng.uniform(119.70, 120.55, n)
    venues = {
        f"v{k:03d}": Venue(
            id=f"v{k:03d}",
            name=Bilingual(en=f"Venue {k}", zh=f"场馆{k}"),
            kind="enterprise",
            district="Hangzhou",
            location=Location(
                lat=float(lat[k]), lon=float(lon[k]), confidence="low", source="bench"
            ),
            visit_min=45,
            max_group=40,
        )
        for k in range(n)
    }
    spec = ScenarioSpec.model_validate(
        {
            "id": "bench",
            "name": {"en": "Benchmark", "zh": "基准"},
            "dates": [dt.date(2024, 9, 26)],
            "base": "v000",
            "day": {"start": "08:00", "end": "18:00"},
            "lunch": {"window": ["11:30", "13:00"], "minutes": 60},
            "fleet": [{"id": "coach", "seats": 45, "count": 1}],
            "delegates": "none.csv",
        }
    )
    return Scenario(spec=spec, venues=venues, routes={}, delegates=(), source="bench")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venues", type=int, default=300)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    data = scenario(args.venues, args.seed)
    build_matrix(data)  # warm-up (imports, caches)
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        matrix = build_matrix(data)
        times.append(time.perf_counter() - start)

    venues = list(data.venues.values())
    lat = [v.location.lat for v in venues]
    lon = [v.location.lon for v in venues]
    ours = geodesic_m(lat, lon)
    rng = np.random.default_rng(args.seed + 1)
    sample = rng.integers(0, args.venues, size=(200, 2))
    worst = max(
        abs(ours[i, j] - geodesic((lat[i], lon[i]), (lat[j], lon[j])).meters) for i, j in sample
    )

    print(
        f"offline matrix, {args.venues} venues x {len(matrix.bands)} bands "
        f"({matrix.seconds.size:,} legs): median {statistics.median(times) * 1000:.1f} ms, "
        f"min {min(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms over {args.runs} runs"
    )
    print(f"vectorised geodesic vs geopy.distance.geodesic, 200 pairs: worst {worst * 1000:.4f} mm")


if __name__ == "__main__":
    main()

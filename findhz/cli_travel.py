"""``findhz travel ...`` and ``findhz geocode``: fill the travel cache, inspect legs, review
venue coordinates. Mounted on the main command by :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from findhz.cli_common import ScenarioArg, err, friendly, load, out
from findhz.planner.bundled import DEFAULT_SCENARIO
from findhz.planner.travel import PROVIDERS, SERVICES, Provider, Service

__all__ = ["geocode", "register", "travel_app", "travel_progress"]

travel_app = typer.Typer(
    help="Travel times between venues: fill the cache, look at legs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


class GeocodeService(StrEnum):
    nominatim = "nominatim"
    amap = "amap"


OsrmUrl = Annotated[
    str | None,
    typer.Option("--osrm-url", help="The OSRM server, e.g. http://localhost:5000."),
]

#: Mirrors ``findhz.planner.travel.build.DEFAULT_TRAVEL_DEADLINE_S`` (kept literal: no import
#: at start-up).
DEFAULT_TRAVEL_DEADLINE_S = 600.0

TravelDeadline = Annotated[
    float | None,
    typer.Option(
        "--travel-deadline",
        min=1.0,
        max=86400.0,
        show_default=False,
        help="Seconds the routing service may take in all (1 to 86400; default: the "
        "scenario's travel.deadline_s, else 600); the legs it has not answered by then come "
        "from the offline model, with the reason recorded. Each request also ends after the "
        "scenario's travel.request_deadline_s (default 60 s).",
    ),
]


def register(app: typer.Typer) -> None:
    """Mount ``travel`` (sub-commands) and ``geocode`` on the main command."""
    app.add_typer(travel_app, name="travel")
    app.command("geocode")(geocode)


@contextmanager
def travel_progress(
    console: Console, label: str = "travel times"
) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on ``console`` fed by ``build_matrix(progress=...)``; gone when done.

    Nothing is drawn until the first request is counted, so an all-cached run stays quiet.
    """
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("requests"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )
    task = bar.add_task(label, total=None, visible=False)

    def progress(done: int, total: int) -> None:
        if total:
            bar.update(task, completed=done, total=total, visible=True)

    with bar:
        yield progress


@travel_app.command("warm")
@friendly
def warm(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    provider: Annotated[
        Service, typer.Option("--provider", help="The routing service to ask.")
    ] = SERVICES[0],
    osrm_url: OsrmUrl = None,
    max_locations: Annotated[
        int,
        typer.Option(
            "--max-locations", help="OSRM: locations per table request (--max-table-size).", min=1
        ),
    ] = 100,
    travel_deadline: TravelDeadline = None,
) -> None:
    """Fetch every leg of a scenario from a routing service into the cache.

    A later ``findhz plan --travel ...`` on the same venues then makes no request.
    Legs already cached are not asked again.
    """
    from findhz.planner.travel import build_matrix
    from findhz.planner.travel.build import run_deadline
    from findhz.planner.travel.cache import default_cache_path

    loaded = load(scenario)
    with travel_progress(err, f"{provider}: fetching legs") as progress:
        matrix = build_matrix(
            loaded,
            provider,
            osrm_url=osrm_url,
            progress=progress,
            max_locations=max_locations,
            deadline_s=run_deadline(loaded, travel_deadline),
        )
    info = matrix.info()
    fallback = (info.legs or {}).get("offline-fallback", 0)
    out.print(
        f"{loaded.id}: {len(matrix.venue_ids)} venues, {matrix.requests} request(s), "
        f"{info.cached_legs} leg(s) already cached; cache {default_cache_path()}",
        markup=False,
    )
    if fallback:
        err.print(
            f"findhz: {fallback} band-leg(s) could not be fetched and would use the offline model:",
            markup=False,
        )
        for block in (info.fallback or [])[:10]:
            err.print(
                f"  {len(block.origins)} x {len(block.destinations)}: {block.reason}", markup=False
            )
        raise typer.Exit(1)


@travel_app.command("show")
@friendly
def show(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    origin: Annotated[str, typer.Option("--from", help="Venue id the legs start from.")] = "",
    provider: Annotated[
        Provider, typer.Option("--travel", help="Where travel times come from.")
    ] = PROVIDERS[0],
    osrm_url: OsrmUrl = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Do not use the cache.")] = False,
) -> None:
    """Print the legs from one venue (the base by default) in every band, in minutes."""
    from findhz.planner.travel import build_matrix

    loaded = load(scenario)
    with travel_progress(err) as progress:
        matrix = build_matrix(
            loaded, provider, osrm_url=osrm_url, use_cache=not no_cache, progress=progress
        )
    start = origin or loaded.spec.base
    try:
        i = matrix.index(start)
    except KeyError as error:
        raise typer.BadParameter(str(error.args[0]), param_hint="--from") from None
    table = Table(title=f"from {start}: door-to-door minutes (drive + boarding + alighting)")
    table.add_column("to")
    table.add_column("km", justify="right")
    for band in matrix.bands:
        table.add_column(band.name, justify="right")
    table.add_column("source")
    for j, vid in enumerate(matrix.venue_ids):
        if j == i:
            continue
        table.add_row(
            vid,
            f"{matrix.metres[0, i, j] / 1000:.1f}",
            *(f"{matrix.seconds[b, i, j] / 60:.0f}" for b in range(len(matrix.bands))),
            matrix.origin_names[int(matrix.origin[0, i, j])] if matrix.origin is not None else "",
        )
    out.print(table)


@travel_app.command("cache")
@friendly
def cache_info(
    repair: Annotated[
        bool, typer.Option("--repair", help="Move a damaged cache file aside (a new one starts).")
    ] = False,
) -> None:
    """Say where the travel cache is and how many legs it holds; find and repair damage."""
    import sqlite3

    from findhz.planner.travel.cache import LegCache, default_cache_path, set_aside

    path = default_cache_path()
    if not path.exists():
        out.print(f"{path}: empty (no file yet)", markup=False)
        return
    try:
        with LegCache(path) as cache:
            out.print(
                f"{path}: {cache.count()} leg(s) "
                f"(osrm {cache.count('osrm')}, amap {cache.count('amap')})",
                markup=False,
            )
    except sqlite3.DatabaseError as error:
        if not repair:
            err.print(
                f"findhz: {path} is damaged ({error}); the next run moves it aside by itself, "
                "or run `findhz travel cache --repair` now",
                markup=False,
            )
            raise typer.Exit(1) from None
        aside = set_aside(path)
        out.print(f"{path} was damaged ({error}); moved it to {aside}", markup=False)


@friendly
def geocode(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    service: Annotated[
        GeocodeService, typer.Option("--provider", help="Who to ask: nominatim (OSM) or amap.")
    ] = GeocodeService.nominatim,
    report: Annotated[Path, typer.Option("--out", help="The CSV report to write.")] = Path(
        "geocode-report.csv"
    ),
    only: Annotated[
        list[str] | None,
        typer.Option("--venue", help="Look up only this venue id (repeatable)."),
    ] = None,
    confidence: Annotated[
        list[str] | None,
        typer.Option(
            "--confidence",
            help="Only venues with this confidence: high, medium, low, unknown (repeatable).",
        ),
    ] = None,
    deadline: Annotated[
        float,
        typer.Option(
            "--deadline",
            min=1.0,
            max=86400.0,
            help="Seconds the geocoder may take in all (1 to 86400); the venues not looked up "
            "by then are in the report as such.",
        ),
    ] = DEFAULT_TRAVEL_DEADLINE_S,
) -> None:
    """Propose better venue coordinates from a geocoder, as a report to review.

    Looks the scenario's venues up by address or name and writes the proposed coordinate
    changes with their distances. The catalogue is never changed: review the report, then
    edit venues.yaml by hand.
    """
    import time

    from findhz.planner.travel.geocode import open_geocoder, propose, write_report

    loaded = load(scenario)
    venues = [
        v
        for v in loaded.venues.values()
        if (not only or v.id in only) and (not confidence or v.location.confidence in confidence)
    ]
    unknown = sorted(set(only or []) - set(loaded.venues))
    if unknown:
        raise typer.BadParameter(f"unknown venue '{unknown[0]}'", param_hint="--venue")
    until = time.monotonic() + deadline
    geocoder = open_geocoder(service.value, deadline=until)
    try:
        with travel_progress(err, f"{service.value}: looking up venues") as progress:
            proposals = propose(venues, geocoder, progress=progress, deadline=until)
    finally:
        geocoder.close()
    path = write_report(proposals, report)
    found = [p for p in proposals if p.status == "found"]
    far = [p for p in found if (p.shift_m or 0) >= 200]
    out.print(
        f"{len(proposals)} venue(s) looked up, {len(found)} found, {len(far)} more than 200 m "
        f"from the catalogue; report: {path} (the catalogue was not changed)",
        markup=False,
    )

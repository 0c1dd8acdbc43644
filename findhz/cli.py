"""The ``findhz`` command: the only place that prints, picks paths and exit codes.

It joins the two packages: ``planner`` makes and checks plans, ``maps`` turns them into pages.
Errors that findhz raises on purpose become one line each on stderr and exit code 2 (bad
input) or 1 (anything else); they never show a traceback.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from findhz.cli_common import ScenarioArg, err, friendly, load, out
from findhz.cli_travel import TravelDeadline
from findhz.planner.bundled import DEFAULT_SCENARIO, bundled_routes
from findhz.planner.errors import InputError, VerificationFailed
from findhz.planner.models import MAX_CNY, Plan, Scenario, Venue
from findhz.planner.naming import PAGE_SECRET_FILE
from findhz.planner.travel import PROVIDERS

if TYPE_CHECKING:
    from findhz.planner.travel.matrix import TravelMatrix

#: The exit status of ``findhz plan`` when the time budget, not the data, kept delegates
#: out (the plan is written; ``--allow-partial`` makes such a run exit 0).
BUDGET_SHORT_EXIT = 4
#: The default search budget of ``findhz plan``, in seconds.
DEFAULT_TIME_LIMIT_S = 6.0
#: The accepted range of ``--time-limit``: an hour is far beyond what any conference week needs.
MIN_TIME_LIMIT_S, MAX_TIME_LIMIT_S = 1.0, 3600.0
#: The largest ``--seed``: the solvers take a signed 32-bit seed.
MAX_SEED = 2**31 - 1


def _time_limit(value: float) -> float:
    if not (math.isfinite(value) and MIN_TIME_LIMIT_S <= value <= MAX_TIME_LIMIT_S):
        raise typer.BadParameter(
            f"{value:g} is not a budget findhz takes: give {MIN_TIME_LIMIT_S:g} to "
            f"{MAX_TIME_LIMIT_S:g} seconds"
        )
    return value


def _base_url(value: str | None) -> str | None:
    from urllib.parse import urlsplit

    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise typer.BadParameter(
            f"{value!r} is not the address of a web folder: give an absolute http(s) URL "
            "without ? or #, e.g. https://example.org/findhz/"
        )
    return value


def _pdf(value: bool) -> bool:
    if value:
        from findhz.maps.pdf import available

        if not available():
            raise typer.BadParameter(
                "PDF sheets need WeasyPrint; install it with: pip install 'findhz[pdf]'"
            )
    return value


PdfOption = Annotated[
    bool,
    typer.Option(
        "--pdf",
        callback=_pdf,
        help="Also write the guide's and driver's sheets as PDF (needs WeasyPrint: "
        "pip install 'findhz[pdf]').",
    ),
]


BaseUrlOption = Annotated[
    str | None,
    typer.Option(
        "--base-url",
        callback=_base_url,
        help="Where the site will be published (absolute http(s) URL): QR codes carry it, "
        "and DIR/site is written as the site to upload.",
    ),
]


app = typer.Typer(
    help=(
        "Plan the FIND HZ visit routes: who rides which themed route on which day, which "
        "venues each bus visits and when; write the plan, maps and itineraries."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


TravelOption = Annotated[
    str,
    typer.Option(
        "--travel",
        help="Where travel times come from: offline (built-in model), osrm or amap.",
        case_sensitive=False,
    ),
]


def _matrix(
    scenario: Scenario,
    travel: str,
    osrm_url: str | None,
    use_cache: bool,
    deadline_s: float | None = None,
) -> TravelMatrix:
    from findhz.cli_travel import travel_progress
    from findhz.planner.travel import build_matrix
    from findhz.planner.travel.build import run_deadline

    travel = travel.lower()
    if travel not in PROVIDERS:
        raise typer.BadParameter(
            f"must be {', '.join(PROVIDERS[:-1])} or {PROVIDERS[-1]}", param_hint="--travel"
        )
    if travel == "osrm" and not osrm_url:
        raise typer.BadParameter("--travel osrm needs --osrm-url URL", param_hint="--osrm-url")
    with travel_progress(err, f"travel times from {travel}") as progress:
        return build_matrix(
            scenario,
            travel,
            osrm_url=osrm_url,
            use_cache=use_cache,
            progress=progress,
            deadline_s=run_deadline(scenario, deadline_s),
        )


def _with_roads(
    plan: Plan, scenario: Scenario, osrm_url: str, use_cache: bool, deadline_s: float
) -> Plan:
    """The plan with the road of each leg from OSRM's ``route`` service, for the maps."""
    from findhz.planner.travel.roads import plan_roads

    with err.status("roads for the maps", spinner="dots"):
        roads = plan_roads(plan, scenario, osrm_url, use_cache=use_cache, deadline_s=deadline_s)
    if roads.missing:
        err.print(
            f"warning: {len(roads.missing)} leg(s) without road geometry are drawn as straight "
            f"lines ({roads.missing[0][2]})",
            markup=False,
        )
    return plan.model_copy(update={"roads": list(roads.legs)})


def _write_outputs(
    plan: Plan,
    scenario: Scenario,
    out_dir: Path,
    run: dict[str, object] | None,
    base_url: str | None,
    *,
    extra: dict[str, str] | None = None,
    pdf: bool = False,
) -> None:
    """Write the whole output folder at once: the previous one survives any failure.

    ``extra`` maps relative paths to text written beside the plan (a re-plan's report).
    """
    from findhz.maps import render_site
    from findhz.planner.exports import write_exports
    from findhz.planner.exports.atomic import atomic_output_dir

    with atomic_output_dir(out_dir) as work:
        (work / "plan.json").write_text(plan.model_dump_json(indent=2) + "\n", encoding="utf-8")
        if run is not None:
            (work / "run.json").write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
        for name, text in (extra or {}).items():
            target = work / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        write_exports(plan, scenario, work)
        # The page secret survives every re-plan, so published addresses stay the same; with
        # it, the QR codes of this folder (QR sheets, delegate pages) carry those addresses.
        kept = (out_dir / PAGE_SECRET_FILE).is_file()
        secret = _page_secret(out_dir) if kept or base_url is not None else None
        render_site(plan, scenario, work, base_url=base_url, page_secret=secret, pdf=pdf)
        if secret is not None:
            (work / PAGE_SECRET_FILE).write_text(secret + "\n", encoding="utf-8")
    if base_url is not None and secret is not None:
        _publish(plan, scenario, out_dir / "site", base_url, secret)


def _page_secret(plan_dir: Path) -> str:
    """The secret naming the published delegate pages: kept in the plan folder, else new."""
    from findhz.planner.errors import Problem
    from findhz.planner.naming import new_page_secret

    path = plan_dir / PAGE_SECRET_FILE
    if path.is_file():
        secret = path.read_text(encoding="utf-8").strip()
        if not secret:
            raise InputError(
                [Problem(str(path), "", "", "the page secret is empty (delete it to make one)")]
            )
        return secret
    return new_page_secret()


def _keep_page_secret(plan_dir: Path, secret: str) -> None:
    """Write a new page secret beside the plan (atomically), so the next publish reuses it."""
    path = plan_dir / PAGE_SECRET_FILE
    if path.is_file():
        return
    partial = path.with_name(PAGE_SECRET_FILE + ".partial")
    partial.write_text(secret + "\n", encoding="utf-8")
    partial.replace(path)


def _publish(plan: Plan, scenario: Scenario, out_dir: Path, base_url: str, secret: str) -> None:
    """Write the site to upload (linked assets, no coordinators' index), atomically."""
    from findhz.maps import render_site
    from findhz.planner.exports.atomic import atomic_output_dir

    with atomic_output_dir(out_dir) as work:
        render_site(plan, scenario, work, base_url=base_url, publish=True, page_secret=secret)


def _check(plan: Plan, scenario: Scenario) -> None:
    from findhz.planner.verify import verify_plan

    violations = verify_plan(plan, scenario)
    if violations:
        for line in violations:
            err.print(f"violation: {line}", markup=False)
        raise VerificationFailed(violations)


@app.command()
@friendly
def plan(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Output folder; DIR/plan.json is the plan.")
    ] = Path("findhz-out"),
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            callback=_time_limit,
            help="Search budget in seconds (1 to 3600). The search stops after a fixed amount of "
            "work derived from it, so the same budget and seed give the same plan on any machine.",
        ),
    ] = DEFAULT_TIME_LIMIT_S,
    seed: Annotated[
        int,
        typer.Option("--seed", min=0, max=MAX_SEED, help="Seed of the search (0 to 2147483647)."),
    ] = 0,
    travel: TravelOption = "offline",
    osrm_url: Annotated[
        str | None, typer.Option("--osrm-url", help="Base URL of an OSRM server.")
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither read nor write the travel-time cache.")
    ] = False,
    base_url: BaseUrlOption = None,
    pdf: PdfOption = False,
    travel_deadline: TravelDeadline = None,
    rate: Annotated[
        int | None,
        typer.Option(
            "--cny-per-rank-step",
            min=0,
            max=MAX_CNY,
            help="The exchange rate (CNY one step down a delegate's ranking is worth); "
            "default: the scenario's cny_per_rank_step.",
        ),
    ] = None,
    allow_partial: Annotated[
        bool,
        typer.Option(
            "--allow-partial",
            help="Exit 0 even when the time budget, not the data, kept delegates out (the plan "
            "is written either way; without this option such a run exits with 4).",
        ),
    ] = False,
    show_frontier: Annotated[
        bool,
        typer.Option(
            "--frontier",
            help="Also plan at several exchange rates and show the plans from cheapest to "
            "most satisfied (in the output and on index.html), each with its command line.",
        ),
    ] = False,
) -> None:
    """Plan a scenario and write the plan, maps, itineraries and workbook to --out.

    Checks the plan against every hard constraint before writing. --out must be new, empty,
    or a folder findhz wrote: an earlier output is replaced only when the new one is complete,
    and a folder holding anything else is refused (exit 2) before any planning.
    """
    import time

    from findhz.planner.exports.atomic import check_output_target
    from findhz.planner.planning import make_plan

    started = time.perf_counter()
    check_output_target(out_dir)  # before any work: a refused folder costs no planning
    loaded = load(scenario)
    matrix = _matrix(loaded, travel, osrm_url, not no_cache, travel_deadline)
    with err.status("planning", spinner="dots") as status:
        made, report = make_plan(
            loaded,
            matrix,
            time_limit_s=time_limit,
            seed=seed,
            progress=lambda message: status.update(message),
            cny_per_rank_step=rate,
        )
        if show_frontier:
            from findhz.planner.frontier import frontier

            status.update("planning at other exchange rates (the frontier)")
            points = frontier(loaded, scenario_arg=scenario, time_limit_s=time_limit, seed=seed)
            metrics = made.metrics.model_copy(update={"frontier": points})
            made = made.model_copy(update={"metrics": metrics})
    if travel.lower() == "osrm" and osrm_url:
        from findhz.planner.travel.build import run_deadline

        made = _with_roads(
            made, loaded, osrm_url, not no_cache, run_deadline(loaded, travel_deadline)
        )
    _check(made, loaded)
    render_started = time.perf_counter()
    run = {"command": "plan", **report.as_json()}
    _write_outputs(made, loaded, out_dir, run, base_url, pdf=pdf)
    run_seconds = time.perf_counter() - render_started
    placed = made.metrics.delegates_placed or 0
    out.print(
        f"{loaded.id}: {len(made.groups)} groups over {len(loaded.dates)} days, {placed} of "
        f"{len(loaded.delegates)} delegates placed, {len(made.unassigned)} unassigned, "
        f"{len(made.explanations)} explanation(s); 0 violations",
        markup=False,
    )
    out.print(
        f"wrote {out_dir / 'plan.json'} and {out_dir / 'index.html'} "
        f"(planned in {report.seconds.get('total', 0):.1f} s, written in {run_seconds:.1f} s, "
        f"{time.perf_counter() - started:.1f} s in all)",
        markup=False,
    )
    for point in made.metrics.frontier or []:
        out.print(
            f"{point.cny_per_rank_step:>7} CNY/step: {point.buses} buses, "
            f"{point.cost_cny:,} CNY, choices 1st/2nd/lower {point.first_choice}/"
            f"{point.second_choice}/{point.lower_choice}   {point.command}",
            markup=False,
        )
    if report.time_cap_hit:
        capped = ", ".join(report.capped_days)
        err.print(
            "warning: a time cap, not the work budget, stopped the search"
            + (f" (days {capped} built without search)" if capped else "")
            + "; this plan may differ from run to run (run.json says where)",
            markup=False,
        )
    days = made.metrics.days or {}
    partly = {date: day for date, day in days.items() if day.buses_searched is not None}
    if partly:
        searched = sum(day.buses_searched or 0 for day in partly.values())
        buses = sum(day.groups or 0 for day in partly.values())
        err.print(
            f"note: the time limit paid a route search for {searched} of the {buses} buses of "
            f"{', '.join(sorted(partly))}; the others took their first route (a longer "
            "--time-limit searches them all)",
            markup=False,
        )
    short = made.metrics.budget_short
    if short is not None:
        head = f"{'warning' if allow_partial else 'findhz'}: "
        where = f"(see their reasons in {out_dir / 'plan.json'})"
        if short.placed_stage == "kept-start":
            text = (
                "the assignment solver could not search a model of this size within the time "
                f"budget and kept its greedy start: {short.delegates} delegate(s) out "
                f"{where}; rerun with --time-limit {short.suggested_time_limit_s}, and if it "
                "keeps its start again, plan fewer delegates at once"
            )
        else:
            text = (
                f"the time budget, not the data, kept {short.delegates} delegate(s) out "
                f"{where}; rerun with --time-limit {short.suggested_time_limit_s}"
            )
        err.print(
            head
            + text
            + ("" if allow_partial else ", or pass --allow-partial to accept this plan"),
            markup=False,
        )
        if not allow_partial:
            raise typer.Exit(BUDGET_SHORT_EXIT)


def _read_plan(path: Path) -> Plan:
    from pydantic import ValidationError

    from findhz.planner.errors import Problem

    file = path / "plan.json" if path.is_dir() else path
    if not file.is_file():
        raise InputError([Problem(str(file), "", "", "file not found")])
    try:
        return Plan.model_validate_json(file.read_bytes())
    except ValidationError as error:
        first = error.errors(include_url=False)
        problems = [
            Problem(str(file), "", ".".join(str(p) for p in e["loc"]), str(e["msg"])) for e in first
        ]
        raise InputError(problems) from None


def _scenario_of(plan_: Plan, scenario: str | None) -> Scenario:
    if scenario is None:
        candidate = bundled_routes() / "scenarios" / f"{plan_.scenario}.yaml"
        if not candidate.is_file():
            raise typer.BadParameter(
                f"the plan is for scenario '{plan_.scenario}', which is not bundled; "
                "name its scenario file"
            )
        scenario = str(candidate)
    return load(scenario)


PlanArg = Annotated[
    Path,
    typer.Argument(help="A plan.json, or the output folder that holds it.", show_default=False),
]
OptionalScenarioArg = Annotated[
    str | None,
    typer.Argument(
        help="The scenario the plan was made for (default: the bundled one it names).",
        show_default=False,
    ),
]


@app.command()
@friendly
def verify(
    plan_file: PlanArg,
    scenario: OptionalScenarioArg = None,
    change: Annotated[
        Path | None,
        typer.Option(
            "--change",
            help="The CHANGES.yaml a re-plan applied (its new and re-dated delegates count).",
        ),
    ] = None,
) -> None:
    """Re-check every hard constraint of a plan; list each violation (exit 1 if any)."""
    made = _read_plan(plan_file)
    loaded = _scenario_of(made, scenario)
    if change is not None:
        from findhz.planner.changes import load_changes, with_delegate_changes

        loaded = with_delegate_changes(loaded, load_changes(change))
    _check(made, loaded)
    out.print(f"{plan_file}: {len(made.groups)} groups, 0 violations", markup=False)


@app.command()
@friendly
def render(
    plan_file: PlanArg,
    scenario: OptionalScenarioArg = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Output folder (default: the folder of the plan, which must be one that "
            "findhz wrote).",
        ),
    ] = None,
    base_url: BaseUrlOption = None,
    pdf: PdfOption = False,
) -> None:
    """Write the maps, itineraries and workbook of an existing plan (after verifying it).

    The output folder is replaced whole, so it must be new, empty, or one that findhz wrote.
    """
    from findhz.planner.exports.atomic import check_output_target

    folder = out_dir or (plan_file if plan_file.is_dir() else plan_file.parent)
    check_output_target(folder)
    made = _read_plan(plan_file)
    loaded = _scenario_of(made, scenario)
    _check(made, loaded)
    run = None
    previous_run = (plan_file if plan_file.is_dir() else plan_file.parent) / "run.json"
    if previous_run.is_file():  # keep the timings of the run that made the plan
        run = json.loads(previous_run.read_text(encoding="utf-8"))
    _write_outputs(made, loaded, folder, run, base_url, pdf=pdf)
    out.print(f"wrote {folder / 'index.html'}", markup=False)


@app.command()
@friendly
def publish(
    plan_file: PlanArg,
    base_url: Annotated[
        str,
        typer.Option(
            "--base-url",
            callback=_base_url,
            help="Where the site will be published (absolute http(s) URL); QR codes carry it.",
        ),
    ],
    scenario: OptionalScenarioArg = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Site folder (default: DIR/site next to the plan)."),
    ] = None,
) -> None:
    """Write the static site to upload: delegate and host pages, maps, a QR sheet per bus.

    Leaflet and the shared styles are written once under assets/ and linked, so the folder
    opens from any static web server and from the file system. The coordinators' index and
    workbook are not part of it. --out must be new, empty, or a folder findhz wrote.
    Delegate pages are named by a keyed hash of their ids; the key is page-secret.txt beside
    the plan (made on first publish; keep it private, delete it to move every page).
    """
    from findhz.planner.exports.atomic import check_output_target

    folder = out_dir or (plan_file if plan_file.is_dir() else plan_file.parent) / "site"
    check_output_target(folder)
    made = _read_plan(plan_file)
    loaded = _scenario_of(made, scenario)
    _check(made, loaded)
    plan_dir = plan_file if plan_file.is_dir() else plan_file.parent
    secret = _page_secret(plan_dir)
    _publish(made, loaded, folder, base_url, secret)
    _keep_page_secret(plan_dir, secret)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    out.print(f"wrote {folder} ({size / 1e6:.1f} MB) for {base_url}", markup=False)


@app.command()
@friendly
def validate(
    scenario: ScenarioArg = DEFAULT_SCENARIO,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Also list each venue's address and research notes."),
    ] = False,
) -> None:
    """Check a scenario and every file it names; list every problem, one line each.

    Exit code 0 when the scenario is sound, 2 when any file has a problem.
    """
    loaded = load(scenario)
    spec = loaded.spec
    routes = loaded.running_routes
    out.print(
        f"{spec.id}: {len(loaded.venues)} venues, {len(routes)} routes running, "
        f"{len(loaded.delegates)} delegates from "
        f"{len({d.country for d in loaded.delegates})} countries and regions, "
        f"{len(spec.dates)} days ({spec.dates[0]} to {spec.dates[-1]}), "
        f"{sum(b.count for b in spec.fleet)} buses a day: OK",
        markup=False,
    )
    if verbose:
        for venue in loaded.venues.values():
            out.print(_venue_line(venue), markup=False)


def _venue_line(venue: Venue) -> str:
    """One line for coordinators: the address people see, its doubts, and the research notes."""
    address = venue.address
    if not address.known:
        shown = "address to be confirmed"
    else:
        shown = " / ".join(text for text in (address.zh, address.en) if text)
        if not address.confirmed:
            shown += " (to be confirmed)"
    line = f"  {venue.id}: {shown}; location {venue.location.confidence}"
    return line + (f"; notes: {venue.notes}" if venue.notes else "")


@app.command()
@friendly
def schemas(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write the JSON Schemas to (default: bundled)."),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Only check that the files are up to date.")
    ] = False,
) -> None:
    """Write the JSON Schemas of the venue, route, scenario and delegate formats."""
    from findhz.planner.schemas import render_schemas

    folder = out_dir or bundled_routes() / "schemas"
    stale = []
    for name, text in render_schemas().items():
        target = folder / name
        if check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(name)
            continue
        folder.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    if stale:
        err.print(f"out of date: {', '.join(stale)} (run `findhz schemas`)", markup=False)
        raise typer.Exit(1)


@app.command()
@friendly
def serve(
    data: Annotated[
        Path,
        typer.Option("--data", help="The app's data folder (made on first start; its database)."),
    ] = Path("findhz-data"),
    host: Annotated[
        str,
        typer.Option("--host", help="Address to listen on; any but loopback needs the token."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
) -> None:
    """The coordinators' web app: import, set up, plan, review, adjust and publish in a browser.

    Keeps its state in DATA (a folder findhz made, or a new one; any other is refused). On an
    address other than 127.0.0.1 every browser must give an access token, printed once at the
    first start on such an address.
    """
    from findhz.web.serve import is_loopback, prepare
    from findhz.web.serve import serve as run_server

    folder, token_hash, new_token = prepare(data, host)
    if new_token:
        out.print(f"access token (shown once; keep it): {new_token}", markup=False, soft_wrap=True)
    elif not is_loopback(host):
        out.print(
            "access token: the one printed at the first start on a network address", markup=False
        )
    out.print(f"findhz serve: http://{host}:{port}/ (data in {folder}); Ctrl-C stops", markup=False)
    run_server(folder, host, port, token_hash)


def _mount() -> None:
    from findhz.cli_replan import register as register_replan
    from findhz.cli_travel import register

    register(app)
    register_replan(app)
    try:
        from findhz.benchmarks.cli import app as bench_app
    except ImportError:  # an installation without the benchmarks package
        return
    app.add_typer(bench_app, name="bench")


_mount()


#: The command-line parser's error for a wrong option or argument (click's ``UsageError``,
#: which typer's ``BadParameter`` derives from; typer bundles its own copy of click).
_USAGE_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError"
)
#: What the parser raises when Ctrl-C arrives outside a command (its own ``Abort``).
_ABORTS: tuple[type[BaseException], ...] = (
    typer.Abort,
    getattr(sys.modules[_USAGE_ERROR.__module__], "Abort", typer.Abort),
    KeyboardInterrupt,
)


def _stop_on_sigterm(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl-C: temporary folders are removed


def main() -> None:
    """Entry point of the ``findhz`` console script.

    A wrong option or argument is one line on stderr (``findhz plan: --seed: ...``) and exit 2.
    """
    import signal

    from findhz.planner import interrupt

    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    interrupt.install()  # a Ctrl-C that CP-SAT swallows is raised again after its solve
    try:
        result = app(standalone_mode=False, prog_name="findhz")
    except _USAGE_ERROR as error:
        context = getattr(error, "ctx", None)
        command = context.command_path if context is not None else "findhz"
        formatter = getattr(error, "format_message", None)
        message = str(formatter() if callable(formatter) else error)
        if message:  # empty when the help was shown instead of running a command
            err.print(f"{command}: {message} (see {command} --help)", markup=False)
        sys.exit(2)
    except _ABORTS:
        err.print("findhz: interrupted; nothing was written", markup=False)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(1)
    sys.exit(result if isinstance(result, int) else 0)

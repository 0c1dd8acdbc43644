"""Generate a synthetic delegates table for a findhz scenario (CSV and xlsx).

The delegates are made up. Names and organisations are built from random syllables, never taken
from lists of real people; every row carries ``note = synthetic``. Countries and regions are
real. Each delegate gets a field of work and 2 to 4 ranked route interests that follow from it,
spoken languages, sometimes a subset of the scenario dates, and a few needs (step-free access,
vegetarian or halal meals). A delegate who needs step-free access always ranks first a route
whose must-visit venues are all step-free, so every delegate can be placed.

The output is deterministic: the same arguments and the same routes/ data give the same bytes.

A ``--delegation ROUTE:COUNT:COUNTRIES:DATE[+DATE...]`` (repeatable) adds a delegation before the
other delegates: COUNT delegates from COUNTRIES countries and regions who all rank ROUTE first,
in fields that lead to it, and are available on those dates only.

Regenerate the bundled tables from the repository root:

    python scripts/make_delegates.py --count 60 --countries 24 --seed 2024 \
        --dates 2024-09-27,2024-09-28,2024-09-29 \
        --delegation green-energy:72:18:2024-09-28 \
        --delegation biomedicine:20:8:2024-09-28 \
        --out routes/scenarios/findhz-2024-delegates
    python scripts/make_delegates.py --count 300 --countries 32 --seed 300 \
        --dates 2024-11-19,2024-11-20,2024-11-21 \
        --out routes/scenarios/conference-300-delegates

``--out`` is a path without extension: ``<out>.csv`` and ``<out>.xlsx`` are written.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
from dataclasses import dataclass
from pathlib import Path

import yaml

COLUMNS = (
    "id",
    "name",
    "country",
    "organisation",
    "field",
    "interests",
    "languages",
    "available",
    "needs",
    "note",
)
ROOT = Path(__file__).resolve().parent.parent
FIXED_TIME = dt.datetime(2024, 1, 1)

# Real countries and regions with the languages (ISO 639-1) their delegates may speak besides
# English, and a relative weight for how many delegates come from each.
COUNTRIES: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("United Kingdom", (), 6),
    ("Germany", ("de",), 6),
    ("United States", (), 6),
    ("France", ("fr",), 5),
    ("Japan", ("ja",), 4),
    ("South Korea", ("ko",), 4),
    ("Singapore", ("zh", "ms"), 4),
    ("Hong Kong SAR", ("zh",), 4),
    ("Australia", (), 4),
    ("Canada", ("fr",), 4),
    ("Italy", ("it",), 3),
    ("Spain", ("es",), 3),
    ("Netherlands", ("nl",), 3),
    ("Sweden", ("sv",), 2),
    ("Switzerland", ("de", "fr"), 3),
    ("Russia", ("ru",), 3),
    ("India", ("hi",), 4),
    ("Pakistan", ("ur",), 2),
    ("Malaysia", ("ms", "zh"), 3),
    ("Indonesia", ("id",), 2),
    ("Thailand", ("th",), 2),
    ("Vietnam", ("vi",), 2),
    ("Brazil", ("pt",), 3),
    ("Mexico", ("es",), 2),
    ("Argentina", ("es",), 2),
    ("Chile", ("es",), 2),
    ("Egypt", ("ar",), 2),
    ("Saudi Arabia", ("ar",), 2),
    ("United Arab Emirates", ("ar",), 2),
    ("Turkey", ("tr",), 2),
    ("Israel", ("he",), 2),
    ("Nigeria", (), 2),
    ("Kenya", ("sw",), 2),
    ("South Africa", ("af",), 2),
    ("New Zealand", (), 2),
    ("Ireland", (), 2),
    ("Poland", ("pl",), 2),
    ("Portugal", ("pt",), 2),
    ("Belgium", ("nl", "fr"), 2),
    ("Austria", ("de",), 2),
    ("Denmark", ("da",), 2),
    ("Finland", ("fi",), 2),
    ("Kazakhstan", ("kk", "ru"), 2),
    ("Macao SAR", ("zh", "pt"), 1),
)
# Where halal meals are asked for more often (the rate is only a planning assumption).
HALAL_MORE = frozenset(
    {
        "Pakistan",
        "Malaysia",
        "Indonesia",
        "Egypt",
        "Saudi Arabia",
        "United Arab Emirates",
        "Turkey",
        "Kazakhstan",
    }
)
ZH_OFTEN = frozenset({"Hong Kong SAR", "Macao SAR", "Singapore", "Malaysia"})

# Field of work -> routes that interest it, most relevant first; and a relative weight.
FIELDS: tuple[tuple[str, tuple[str, ...], int], ...] = (
    ("Machine learning", ("general-ai", "brain-like", "humanoid-robots", "smart-iot"), 6),
    ("Computer vision", ("smart-iot", "general-ai", "humanoid-robots"), 3),
    ("Robotics", ("humanoid-robots", "high-end-equipment", "general-ai", "low-altitude"), 4),
    ("Neuroscience", ("brain-like", "biomedicine", "general-ai"), 3),
    ("Drug discovery", ("biomedicine", "synthetic-biology", "general-ai"), 4),
    ("Molecular biology", ("synthetic-biology", "biomedicine", "brain-like"), 3),
    ("Aerospace engineering", ("low-altitude", "high-end-equipment", "new-materials"), 3),
    ("Power systems", ("green-energy", "smart-iot", "high-end-equipment"), 3),
    ("Mechanical engineering", ("high-end-equipment", "humanoid-robots", "green-energy"), 3),
    ("Materials science", ("new-materials", "green-energy", "high-end-equipment"), 3),
    ("Microelectronics", ("new-materials", "smart-iot", "high-end-equipment"), 3),
    ("Technology entrepreneurship", ("returnee-talent", "general-ai", "biomedicine"), 4),
)
ACADEMIC = ("{} University", "University of {}", "{} Institute of Technology", "{} Research Centre")
# What a start-up in each field might call itself.
FIRMS = {
    "Machine learning": "{} AI",
    "Computer vision": "{} Vision",
    "Robotics": "{} Robotics",
    "Neuroscience": "{} Neurotech",
    "Drug discovery": "{} Therapeutics",
    "Molecular biology": "{} Biosciences",
    "Aerospace engineering": "{} Aero",
    "Power systems": "{} Energy",
    "Mechanical engineering": "{} Engineering",
    "Materials science": "{} Materials",
    "Microelectronics": "{} Semiconductor",
    "Technology entrepreneurship": "{} Ventures",
}
ONSETS: tuple[str, ...] = (
    *("b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br"),
    *("dr", "kr", "st", "tr", "sh", "ch", "j", "y", "w"),
)
VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o", "ai", "ei", "ou", "ia")
CODAS = ("", "", "", "n", "r", "l", "s", "m", "nd", "th")


@dataclass(frozen=True)
class Delegation:
    """A group that came for one route: ``count`` delegates from ``countries`` places."""

    route: str
    count: int
    countries: int
    dates: tuple[dt.date, ...]

    @classmethod
    def parse(cls, text: str) -> Delegation:
        """``ROUTE:COUNT:COUNTRIES:DATE[+DATE...]``."""
        try:
            route, count, countries, dates = text.split(":")
            days = tuple(dt.date.fromisoformat(d) for d in dates.split("+"))
            return cls(route, int(count), int(countries), days)
        except ValueError as exc:
            raise ValueError(f"--delegation {text!r}: expected ROUTE:COUNT:COUNTRIES:DATE") from exc


@dataclass(frozen=True)
class RouteInfo:
    """What the generator needs to know of a route."""

    id: str
    step_free_ok: bool


def load_routes(themes: Path, venues: Path) -> dict[str, RouteInfo]:
    """Routes by id, and whether a step-free delegate can ride each one."""
    venue_rows = yaml.safe_load(venues.read_text(encoding="utf-8"))["venues"]
    step_free = {v["id"]: bool(v.get("step_free", True)) for v in venue_rows}
    out = {}
    for route in yaml.safe_load(themes.read_text(encoding="utf-8"))["routes"]:
        pool = [v["id"] for v in route["venues"]]
        musts_ok = all(step_free[m] for m in route.get("must_visit", []))
        enough = sum(step_free[v] for v in pool) >= route["min_stops"]
        out[route["id"]] = RouteInfo(route["id"], musts_ok and enough)
    return out


def _word(rng: random.Random, syllables: int) -> str:
    parts = [rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(syllables)]
    return ("".join(parts) + rng.choice(CODAS)).capitalize()


def _name(rng: random.Random, taken: set[str]) -> str:
    while True:
        name = f"{_word(rng, rng.choice((1, 2, 2, 3)))} {_word(rng, rng.choice((2, 2, 3)))}"
        if name not in taken:
            taken.add(name)
            return name


def _interests(
    rng: random.Random,
    wanted: tuple[str, ...],
    routes: dict[str, RouteInfo],
    step_free: bool,
    keep_first: bool = False,
) -> list[str]:
    ranked = [r for r in wanted if r in routes]
    if not keep_first and rng.random() < 0.25 and len(ranked) > 1:
        ranked[0], ranked[1] = ranked[1], ranked[0]
    count = rng.choice((2, 3, 3, 4))
    chosen = ranked[: max(1, count - 1)] if rng.random() < 0.35 else ranked[:count]
    others = sorted(r for r in routes if r not in chosen)
    while len(chosen) < count and others:
        chosen.append(others.pop(rng.randrange(len(others))))
    if step_free and not routes[chosen[0]].step_free_ok:
        usable = [r for r in chosen if routes[r].step_free_ok]
        first = usable[0] if usable else next(r for r in ranked + others if routes[r].step_free_ok)
        chosen = [first] + [r for r in chosen if r != first]
    return chosen[:4]


def make_rows(
    count: int,
    n_countries: int,
    dates: list[dt.date],
    seed: int,
    routes: dict[str, RouteInfo],
    delegation: Delegation | None = None,
    first: int = 1,
    width: int = 3,
    taken: set[str] | None = None,
) -> list[dict[str, str]]:
    """The delegates table as rows of strings, in the column order of ``COLUMNS``.

    With a ``delegation``, every delegate ranks its route first, works in a field that leads to
    it and is available on ``dates`` only. Ids count from ``first``; names already in ``taken``
    are not given again.
    """
    if not 1 <= n_countries <= min(count, len(COUNTRIES)):
        raise ValueError(f"--countries must be between 1 and {min(count, len(COUNTRIES))}")
    rng = random.Random(seed if delegation is None else f"{seed}:{delegation.route}")
    fields = FIELDS
    if delegation is not None:
        fields = tuple(f for f in FIELDS if delegation.route in f[1])
        if not fields:
            raise ValueError(f"no field leads to route {delegation.route!r}")
    countries = rng.sample(COUNTRIES, n_countries)
    homes = list(countries)
    homes += rng.choices(countries, weights=[w for _, _, w in countries], k=count - n_countries)
    rng.shuffle(homes)
    taken = set() if taken is None else taken
    rows = []
    for number, (country, tongues, _) in enumerate(homes, start=first):
        field, wanted, _ = rng.choices(fields, weights=[w for _, _, w in fields])[0]
        if delegation is not None:
            wanted = (delegation.route, *(r for r in wanted if r != delegation.route))
        needs = []
        if rng.random() < 0.05:
            needs.append("step-free")
        halal_rate = 0.3 if country in HALAL_MORE else 0.01
        if rng.random() < halal_rate:
            needs.append("halal")
        elif rng.random() < 0.08:
            needs.append("vegetarian")
        languages = ["en"]
        for tongue in tongues:
            if tongue == "zh":
                if rng.random() < (0.7 if country in ZH_OFTEN else 0.05):
                    languages.append(tongue)
            elif rng.random() < 0.8:
                languages.append(tongue)
        if "zh" not in languages and rng.random() < 0.06:
            languages.append("zh")
        available: list[dt.date] = []
        if delegation is not None:
            available = list(dates)
        elif len(dates) > 1 and rng.random() < 0.2:
            available = sorted(rng.sample(dates, rng.randint(1, len(dates) - 1)))
        pattern = FIRMS[field] if rng.random() < 0.3 else rng.choice(ACADEMIC)
        organisation = pattern.format(_word(rng, rng.choice((2, 3))))
        rows.append(
            {
                "id": f"D{number:0{width}d}",
                "name": _name(rng, taken),
                "country": country,
                "organisation": organisation,
                "field": field,
                "interests": ";".join(
                    _interests(rng, wanted, routes, "step-free" in needs, delegation is not None)
                ),
                "languages": ";".join(languages),
                "available": ";".join(d.isoformat() for d in available),
                "needs": ";".join(needs),
                "note": "synthetic",
            }
        )
    return rows


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[dict[str, str]]) -> bytes:
    """The table as an xlsx workbook (first sheet ``delegates``), with fixed timestamps."""
    from openpyxl import Workbook

    from findhz.planner.exports.workbook import reproducible_xlsx

    book = Workbook()
    sheet = book.active
    sheet.title = "delegates"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row[c] for c in COLUMNS])
    for letter, width in zip("ABCDEFGHIJ", (7, 22, 20, 32, 26, 52, 12, 24, 18, 10), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    book.properties.creator = "findhz make_delegates.py"
    return reproducible_xlsx(book, FIXED_TIME)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=70, help="number of delegates")
    parser.add_argument("--countries", type=int, default=18, help="distinct countries/regions")
    parser.add_argument(
        "--dates",
        default="2024-09-27,2024-09-28,2024-09-29",
        help="scenario dates, comma-separated (YYYY-MM-DD)",
    )
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--delegation",
        action="append",
        default=[],
        help="ROUTE:COUNT:COUNTRIES:DATE[+DATE...]: a delegation ranking ROUTE first (repeatable)",
    )
    parser.add_argument(
        "--out",
        default="routes/scenarios/findhz-2024-delegates",
        help="output path without extension; writes .csv and .xlsx",
    )
    parser.add_argument("--themes", type=Path, default=ROOT / "routes" / "themes.yaml")
    parser.add_argument("--venues", type=Path, default=ROOT / "routes" / "venues.yaml")
    args = parser.parse_args(argv)
    dates = [dt.date.fromisoformat(d.strip()) for d in args.dates.split(",") if d.strip()]
    routes = load_routes(args.themes, args.venues)
    delegations = [Delegation.parse(text) for text in args.delegation]
    total = args.count + sum(d.count for d in delegations)
    width = max(3, len(str(total)))
    rows: list[dict[str, str]] = []
    names: set[str] = set()
    for delegation in delegations:
        if delegation.route not in routes or not set(delegation.dates) <= set(dates):
            parser.error(f"--delegation {delegation.route}: unknown route or date not in --dates")
        rows += make_rows(
            delegation.count,
            delegation.countries,
            list(delegation.dates),
            args.seed,
            routes,
            delegation,
            first=len(rows) + 1,
            width=width,
            taken=names,
        )
    rows += make_rows(
        args.count,
        args.countries,
        dates,
        args.seed,
        routes,
        first=len(rows) + 1,
        width=width,
        taken=names,
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".csv").write_bytes(csv_bytes(rows))
    out.with_suffix(".xlsx").write_bytes(xlsx_bytes(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

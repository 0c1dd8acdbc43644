"""The output folder's pages: maps, delegate itineraries, host schedules and the index.

``render_site`` writes, into a folder the caller provides (the CLI hands it a fresh temporary
folder and moves it into place when everything is written):

- ``maps/overview.html``: every group of every day, one layer each;
- ``maps/<date>-<route>.html``: the groups of one route-day; ``maps/<group>.html``: one group;
- ``delegates/<id>.html``: a delegate's days, timelines and maps, help lines and a QR code
  (when published, a keyed hash of the id names the page: see ``findhz.planner.naming``);
- ``hosts/<venue>.html``: which groups arrive at a venue and when, how many, from where;
- ``index.html``: links to everything, with the summary figures;
- ``sheets/<group>-guide.html`` and ``sheets/<group>-driver.html``: a guide's manifest (names,
  countries, languages, needs, stops and times) and a driver's sheet in Chinese (stops,
  addresses, times, a parking-notes field), print-ready on A4;
  with ``pdf``, also as ``sheets/<group>-guide.pdf`` and ``-driver.pdf`` (WeasyPrint);
- ``sheets/<group>-qr.html`` (with a ``base_url``): a printable sheet of one bus, one QR code
  and name per delegate, for the guide to hand out. It lists riders' names, so, like the other
  sheets, it stays in the coordinators' folder and is never part of the published site.

``publish=True`` makes the site to put on a web server: Leaflet and the shared styles are
written once under ``assets/`` and linked (relatively, so the folder still opens from the file
system), and the coordinators' index and the sheets are left out. A ``page_secret`` without
``publish`` names no page of the folder, but makes its QR codes carry the published addresses.
Otherwise every page is self-contained (Leaflet inlined). Every text from an input file is
escaped by jinja2's autoescaping. Iteration is sorted, so the same plan gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import segno
from markupsafe import Markup

from findhz.maps.assets import ASSETS, leaflet_head, link_shared, shared_files
from findhz.maps.coordinators import find_problems, named_metrics, venue_load
from findhz.maps.layers import MAP_SCRIPT, STYLE, build_map
from findhz.maps.morning import bus_labels, glance, leg_minutes, stop_care, venue_links
from findhz.maps.pages import MapPage, finish_map
from findhz.maps.pdf import html_to_pdf
from findhz.maps.templating import environment
from findhz.maps.text import CONFIDENCE_SHORT, KINDS, STOP_KINDS, clock, day_label
from findhz.maps.words import counted_names, country_name, language_name, need_name
from findhz.planner.exports.notices import change_phrase
from findhz.planner.exports.tables import TABLE_NAMES, sorted_groups
from findhz.planner.metrics import DayFigures, PlanMetrics
from findhz.planner.models import Bilingual, Delegate, Group, Plan, Scenario, Venue, rides
from findhz.planner.naming import delegate_page_name, file_name_problem, map_page_names

__all__ = ["render_qr_sheets", "render_site"]

log = logging.getLogger(__name__)


def render_site(
    plan: Plan,
    scenario: Scenario,
    out_dir: Path,
    *,
    base_url: str | None = None,
    publish: bool = False,
    page_secret: str | None = None,
    pdf: bool = False,
) -> list[Path]:
    """Write every page of a plan into ``out_dir``; return the paths written, sorted.

    With ``pdf`` the guide's and driver's sheets are also written as PDF (WeasyPrint must be
    installed: see :mod:`findhz.maps.pdf`).

    With ``publish`` the delegate pages are named by a keyed hash of their ids under
    ``page_secret`` (see :func:`findhz.planner.naming.delegate_page_name`), which is then required.
    Without it, the secret only makes the QR codes carry the published pages' addresses.
    """
    out_dir = Path(out_dir)
    if publish and not page_secret:
        raise ValueError("publishing needs a page secret to name the delegate pages")
    _check_references(plan, scenario)
    site = _Site(
        plan, scenario, out_dir, base_url, publish=publish, page_secret=page_secret, pdf=pdf
    )
    return sorted(site.write())


def render_qr_sheets(
    plan: Plan,
    scenario: Scenario,
    out_dir: Path,
    *,
    base_url: str,
    page_secret: str | None = None,
) -> list[Path]:
    """Write only the printable QR sheets, ``<group>-qr.html``, into ``out_dir``: one per bus,
    each code carrying the delegate's published address (``page_secret`` names the pages as
    :func:`render_site` does when publishing). They list riders' names: print them, never
    upload them."""
    out_dir = Path(out_dir)
    _check_references(plan, scenario)
    site = _Site(plan, scenario, out_dir, base_url, page_secret=page_secret)
    return sorted(site._write_qr_sheets(folder=""))


def _check_references(plan: Plan, scenario: Scenario) -> None:
    """The checks of ``findhz verify`` that decide whether the pages can be written."""
    problems = [
        f"group id {g.id!r} {problem}" for g in plan.groups if (problem := file_name_problem(g.id))
    ]
    for group in plan.groups:
        if group.route not in scenario.routes:
            problems.append(f"group {group.id}: unknown route {group.route!r}")
        problems.extend(
            f"group {group.id}: unknown venue {stop.venue!r}"
            for stop in group.stops
            if stop.venue not in scenario.venues
        )
    names = [name for name, _ in map_page_names(plan)]
    if len({n.casefold() for n in names}) < len(names):
        problems.append("two maps would share a file name")
    problems.extend(
        f"delegate id {d.id!r} {problem}"
        for d in scenario.delegates
        if (problem := file_name_problem(d.id))
    )
    if problems:
        raise ValueError(
            "the plan does not match the scenario: " + "; ".join(sorted(set(problems)))
        )


#: The QR codes' mask pattern, fixed: choosing the best of the eight for each code (segno's
#: default) was two thirds of the time of a code, and a site has one per delegate; any mask
#: is valid and read by every decoder.
QR_MASK = 4


def qr_svg(target: str) -> str:
    """The inline SVG of the QR code of ``target`` (error correction M)."""
    svg: str = segno.make(target, error="m", mask=QR_MASK).svg_inline(scale=4, title=target)
    return svg


@dataclass(frozen=True)
class _TimelineRow:
    kind: str
    time: str
    what: Bilingual
    venue: Venue
    number: int | None
    note: str
    confidence: Bilingual


class _Site:
    def __init__(
        self,
        plan: Plan,
        scenario: Scenario,
        out_dir: Path,
        base_url: str | None,
        *,
        publish: bool = False,
        page_secret: str | None = None,
        pdf: bool = False,
    ):
        self.publish = publish
        self.pdf = pdf
        self.page_secret = page_secret if publish else None
        # The names the delegate pages have on the published site, which QR codes carry.
        self.url_secret = page_secret
        self.plan = plan
        self.scenario = scenario
        self.out = out_dir
        self.base_url = base_url if base_url is None or base_url.endswith("/") else base_url + "/"
        self.env = environment()
        self.tz = scenario.tz()
        self.groups = sorted_groups(plan, scenario)
        self.delegates = {d.id: d for d in scenario.delegates}
        self.rides = rides(self.groups)
        self.group_maps: dict[str, MapPage] = {}
        self.buses = bus_labels(self.groups, scenario)
        self.roads = {(r.origin, r.destination): r.points() for r in plan.roads}

        def source(name: str) -> str:
            return self.env.loader.get_source(self.env, name)[0] if self.env.loader else ""

        # Written once under assets/ when published (in this order: each page's own styles
        # follow site.css in one style element).
        self.styles = {
            "site.css": source("site.css"),
            "delegate.css": source("delegate/delegate.css"),
            "host.css": source("host/host.css"),
            "maps.css": STYLE,
        }
        self.scripts = {"maps.js": MAP_SCRIPT}

    # -- writing -------------------------------------------------------------------------

    def write(self) -> list[Path]:
        paths: list[Path] = []
        for folder in ("maps", "delegates", "hosts"):
            (self.out / folder).mkdir(parents=True, exist_ok=True)
        paths.append(
            self._write_map("maps/overview.html", self.groups, Bilingual("Overview", "总览"), "o")
        )
        for index, (key, groups) in enumerate(self._route_days().items()):
            route = self.scenario.routes[key[1]]
            day = day_label(key[0])
            title = Bilingual(f"{route.title.en} · {day.en}", f"{route.title.zh} · {day.zh}")
            paths.append(self._write_map(self._route_day_href(key), groups, title, f"r{index}_"))
        for index, group in enumerate(self.groups):
            route = self.scenario.routes[group.route]
            day = day_label(group.date)
            title = Bilingual(
                f"{route.title.en} · {day.en} · {group.bus}",
                f"{route.title.zh} · {day.zh} · {group.bus}",
            )
            href = f"maps/{group.id}.html"
            page = self._map_page(href, [group], title, f"g{index}_")
            self.group_maps[group.id] = page
            paths.append(self._write(href, page.html))
        paths.extend(self._write_delegates())
        paths.extend(self._write_hosts())
        if self.publish:
            (self.out / ASSETS).mkdir(exist_ok=True)
            for name, text in shared_files(self.styles, self.scripts).items():
                path = self.out / ASSETS / name
                path.write_text(text, encoding="utf-8")
                paths.append(path)
        else:
            paths.extend(self._write_sheets())
            if self.base_url is not None:
                paths.extend(self._write_qr_sheets())
            paths.append(self._write("index.html", self._index()))
        return paths

    # -- sheets for the people on the bus (coordinators' folder only: they hold names) ----

    def _write_sheets(self) -> list[Path]:
        """A guide's manifest and a driver's sheet (in Chinese) per bus and day, print-ready."""
        (self.out / "sheets").mkdir(exist_ok=True)
        guide = self.env.get_template("guide_sheet.html")
        driver = self.env.get_template("driver_sheet.html")
        paths = []
        for group in self.groups:
            common = {
                "scenario": self.scenario,
                "group": group,
                "route": self.scenario.routes[group.route],
                "day": day_label(group.date),
                "rows": self._timeline(group),
                "bus": self.buses[group.id],
                "morning": self.scenario.spec.morning,
            }
            people = sorted(
                (self.delegates[d] for d in group.delegates if d in self.delegates),
                key=lambda person: (person.name, person.id),
            )
            sheets = {
                f"sheets/{group.id}-guide": guide.render(people=people, **common),
                f"sheets/{group.id}-driver": driver.render(**common),
            }
            for name, html in sheets.items():
                paths.append(self._write(f"{name}.html", html))
                if self.pdf:
                    target = self.out / f"{name}.pdf"
                    target.write_bytes(html_to_pdf(html, target.parent))
                    paths.append(target)
        return paths

    def _write(self, relative: str, text: str) -> Path:
        path = self.out / relative
        if self.publish:
            text = link_shared(
                text, root="../" * relative.count("/"), styles=self.styles, scripts=self.scripts
            )
        path.write_text(text, encoding="utf-8")
        return path

    # -- QR sheets -----------------------------------------------------------------------

    def _write_qr_sheets(self, folder: str = "sheets") -> list[Path]:
        """One printable sheet per bus and day: each delegate's QR code and name."""
        (self.out / folder).mkdir(parents=True, exist_ok=True)
        template = self.env.get_template("qr_sheet.html")
        paths = []
        for group in self.groups:
            route = self.scenario.routes[group.route]
            cards = []
            for delegate_id in sorted(group.delegates):
                delegate = self.delegates.get(delegate_id)
                if delegate is None:
                    continue
                target = self._delegate_url(delegate)
                svg = qr_svg(target)
                cards.append({"delegate": delegate, "qr_svg": Markup(svg), "target": target})
            html = template.render(
                scenario=self.scenario,
                group=group,
                route=route,
                day=day_label(group.date),
                cards=cards,
            )
            prefix = f"{folder}/" if folder else ""
            paths.append(self._write(f"{prefix}{group.id}-qr.html", html))
        return paths

    def _map_page(self, href: str, groups: list[Group], title: Bilingual, prefix: str) -> MapPage:
        # A one-group map is also embedded in delegate pages: no link to the coordinator's index.
        compact = len(groups) == 1
        home = None if compact or self.publish else "../index.html"
        fmap = build_map(
            groups,
            self.scenario,
            title=title,
            home=home,
            compact=compact,
            roads=self.roads,
            day_selector=href == "maps/overview.html",
        )
        return finish_map(
            fmap, prefix=prefix, title=f"{title.en} · {title.zh}", page=href, heading=title
        )

    def _write_map(self, href: str, groups: list[Group], title: Bilingual, prefix: str) -> Path:
        return self._write(href, self._map_page(href, groups, title, prefix).html)

    def _route_days(self) -> dict[tuple[dt.date, str], list[Group]]:
        route_days: dict[tuple[dt.date, str], list[Group]] = {}
        for group in self.groups:
            route_days.setdefault((group.date, group.route), []).append(group)
        return route_days

    @staticmethod
    def _route_day_href(key: tuple[dt.date, str]) -> str:
        return f"maps/{key[0].isoformat()}-{key[1]}.html"

    # -- delegates -----------------------------------------------------------------------

    def _write_delegates(self) -> list[Path]:
        template = self.env.get_template("delegate.html")
        head = Markup(leaflet_head() + f"\n<style>{STYLE}</style>\n<script>{MAP_SCRIPT}</script>")
        paths = []
        for delegate in sorted(self.scenario.delegates, key=lambda d: d.id):
            days = [self._day(group, delegate) for group in self.rides.get(delegate.id, [])]
            target = self._delegate_url(delegate)
            html = template.render(
                scenario=self.scenario,
                delegate=delegate,
                days=days,
                leaflet_head=head,
                qr_svg=Markup(qr_svg(target)),
                qr_target=target,
                qr_absolute=self.base_url is not None,
                calendar=not self.publish,
                change=self._delegate_change(delegate.id),
                morning=self.scenario.spec.morning,
                approximate=any(
                    stop["row"].venue.location.confidence != "high"
                    for day in days
                    for stop in day["stops"]
                ),
                wechat_qr=self._wechat_qr(),
            )
            paths.append(self._write(self._delegate_href(delegate.id), html))
        return paths

    def _delegate_href(self, delegate_id: str) -> str:
        return f"delegates/{delegate_page_name(delegate_id, self.page_secret)}.html"

    def _delegate_url(self, delegate: Delegate) -> str:
        if self.base_url is None:
            return self._delegate_href(delegate.id)
        name = delegate_page_name(delegate.id, self.url_secret)
        return f"{self.base_url}delegates/{name}.html"

    def _wechat_qr(self) -> Markup | None:
        organiser = self.scenario.spec.morning.organiser
        if organiser is None or not organiser.wechat_qr:
            return None
        text = organiser.wechat_qr
        return Markup(segno.make(text, error="m").svg_inline(scale=3, title="WeChat"))

    def _day(self, group: Group, delegate: Delegate) -> dict[str, Any]:
        route = self.scenario.routes[group.route]
        page = self.group_maps[group.id]
        rows = self._timeline(group)
        stops = []
        for stop, row in zip(group.stops, rows, strict=True):
            until = stop.arrive if stop.kind == "return" else stop.end or stop.depart
            stops.append(
                {
                    "row": row,
                    "leg_min": leg_minutes(stop),
                    "links": venue_links(row.venue),
                    "care": stop_care(stop, row.venue, delegate, self.scenario),
                    "until": until.isoformat() if until else "",
                }
            )
        return {
            "group": group,
            "route": route,
            "date": group.date.isoformat(),
            "label": day_label(group.date),
            "glance": glance(group, self.scenario, self.buses[group.id]),
            "stops": stops,
            "rows": rows,
            "map_body": Markup(page.body),
            "map_script": Markup(page.script),
        }

    def _timeline(self, group: Group) -> list[_TimelineRow]:
        rows = []
        number = 0
        for stop in group.stops:
            venue = self.scenario.venues[stop.venue]
            kind = STOP_KINDS[stop.kind]
            note = ""
            shown: int | None = None
            if stop.kind == "depart":
                time = clock(stop.depart, self.tz)
            elif stop.kind == "return":
                time = clock(stop.arrive, self.tz)
            else:
                number += 1
                shown = number
                start, end = clock(stop.start, self.tz), clock(stop.end, self.tz)
                time = f"{start}–{end}"
                arrive, depart = clock(stop.arrive, self.tz), clock(stop.depart, self.tz)
                notes = []
                if arrive and arrive != start:
                    notes.append(f"arrive {arrive} · 到达")
                if depart and depart != end:
                    notes.append(f"leave {depart} · 离开")
                note = "; ".join(notes)
            rows.append(
                _TimelineRow(
                    kind=stop.kind,
                    time=time,
                    what=kind,
                    venue=venue,
                    number=shown,
                    note=note,
                    confidence=CONFIDENCE_SHORT[venue.location.confidence],
                )
            )
        return rows

    # -- hosts ---------------------------------------------------------------------------

    def _host_visits(self) -> dict[str, list[tuple[Group, Any]]]:
        visits: dict[str, list[tuple[Group, Any]]] = defaultdict(list)
        for group in self.groups:
            for stop in group.stops:
                visits[stop.venue].append((group, stop))
        return visits

    def _write_hosts(self) -> list[Path]:
        template = self.env.get_template("host.html")
        paths = []
        for venue_id, visits in sorted(self._host_visits().items()):
            venue = self.scenario.venues[venue_id]
            rows = sorted(
                (self._host_row(group, stop) for group, stop in visits),
                key=lambda row: (row["date"], row["sort"], row["group"].id),
            )
            by_date: dict[dt.date, list[dict[str, Any]]] = {}
            for row in rows:
                by_date.setdefault(row["date"], []).append(row)
            days = [
                {
                    "label": day_label(date),
                    "rows": day_rows,
                    "arrivals": sum(1 for row in day_rows if row["kind"] != "return"),
                    "people": sum(row["people"] for row in day_rows if row["kind"] != "return"),
                }
                for date, day_rows in by_date.items()
            ]
            html = template.render(
                show_index=not self.publish,
                names_lists=not self.publish,
                scenario=self.scenario,
                morning=self.scenario.spec.morning,
                venue=venue,
                kind=KINDS[venue.kind],
                visits=rows,
                arrivals=sum(1 for row in rows if row["kind"] != "return"),
                people=sum(row["people"] for row in rows if row["kind"] != "return"),
                languages=[language_name(code) for code in venue.languages if code.strip()],
                days=days,
            )
            paths.append(self._write(f"hosts/{venue_id}.html", html))
        return paths

    def _host_row(self, group: Group, stop: Any) -> dict[str, Any]:
        people = sorted(
            (self.delegates[d] for d in group.delegates if d in self.delegates),
            key=lambda person: (person.name, person.id),
        )
        countries = Counter(p.country for p in people)
        languages = Counter(lang for p in people for lang in p.languages)
        needs: Counter[str] = Counter(need for p in people for need in p.needs)
        arrive = stop.arrive if stop.kind != "depart" else stop.depart
        if stop.kind in ("visit", "lunch"):
            stay = f"{clock(stop.start, self.tz)}–{clock(stop.end, self.tz)}"
        else:
            stay = clock(stop.depart if stop.kind == "depart" else stop.arrive, self.tz)
        return {
            "date": group.date,
            "sort": clock(arrive, self.tz),
            "kind": stop.kind,
            "kind_label": STOP_KINDS[stop.kind],
            "arrive": clock(arrive, self.tz),
            "stay": stay,
            "group": group,
            "bus": self.buses[group.id],
            "route": self.scenario.routes[group.route],
            "people": len(group.delegates),
            "names": [{"person": p, "country": country_name(p.country)} for p in people],
            "countries": _counted(countries),
            "languages": _counted(languages),
            "needs": _counted(needs),
            "countries_zh": counted_names(countries, country_name),
            "languages_zh": counted_names(languages, language_name),
            "needs_zh": counted_names(needs, need_name),
        }

    # -- index ---------------------------------------------------------------------------

    def _index(self) -> str:
        route_days = []
        for key, groups in self._route_days().items():
            route_days.append(
                {
                    "day": day_label(key[0]),
                    "route": self.scenario.routes[key[1]],
                    "href": self._route_day_href(key),
                    "groups": [{"group": g, "href": f"maps/{g.id}.html"} for g in groups],
                }
            )
        names = {d.id: d for d in self.scenario.delegates}
        delegates = [
            {
                "id": d.id,
                "name": d.name,
                "country": d.country,
                "days": len(self.rides.get(d.id, [])),
                "rides": [
                    {
                        "group": g,
                        "route": self.scenario.routes[g.route],
                        "bus": self.buses[g.id],
                        "departs": clock(next((s.depart for s in g.stops), None), self.tz),
                    }
                    for g in self.rides.get(d.id, [])
                ],
                "href": f"delegates/{d.id}.html",
                "ics": f"delegates/{d.id}.ics" if self.rides.get(d.id) else "",
            }
            for d in sorted(self.scenario.delegates, key=lambda d: d.id)
        ]
        unassigned = [
            {
                "id": u.delegate,
                "name": names[u.delegate].name if u.delegate in names else u.delegate,
                "country": names[u.delegate].country if u.delegate in names else "",
                "reason": u.reason,
                "href": f"delegates/{u.delegate}.html",
            }
            for u in sorted(self.plan.unassigned, key=lambda u: u.delegate)
        ]
        hosts = [
            {
                "venue": self.scenario.venues[venue_id],
                "href": f"hosts/{venue_id}.html",
                "arrivals": sum(1 for _, s in visits if s.kind in ("visit", "lunch")),
                "people": sum(len(g.delegates) for g, s in visits if s.kind in ("visit", "lunch")),
            }
            for venue_id, visits in sorted(self._host_visits().items())
        ]
        dates = self.scenario.dates
        return self.env.get_template("index.html").render(
            scenario=self.scenario,
            plan=self.plan,
            dates=f"{dates[0].isoformat()} to {dates[-1].isoformat()}",
            figures=self._figures(),
            route_days=route_days,
            csv_files=[f"{name}.csv" for name in TABLE_NAMES],
            unassigned=unassigned,
            delegates=delegates,
            hosts=hosts,
            metrics=named_metrics(self.plan.metrics),
            problems=find_problems(self.plan, self.scenario, self.groups, self.buses),
            load=venue_load(self.scenario, self.groups, self.buses),
            quality=_quality(self.plan.metrics.days or {}),
            costs=_costs(self.plan.metrics, self.groups),
            frontier=_frontier(self.plan.metrics),
            changes=self._changes(),
        )

    def _changes(self) -> dict[str, Any] | None:
        """A re-plan's change report (``metrics.changes``) for the index's own section."""
        report = self.plan.metrics.changes
        if report is None:
            return None
        people = []
        for change in report.delegates:
            did = change.delegate
            phrase = change_phrase(change.status, change.shift_min)
            known = self.delegates.get(did)
            people.append(
                {
                    "id": did,
                    "name": known.name if known else did,
                    "href": f"delegates/{did}.html" if known else "",
                    "status": change.status,
                    "en": phrase.en,
                    "zh": phrase.zh,
                    "before": ", ".join(change.before),
                    "after": ", ".join(change.after),
                    "reason": change.reason,
                }
            )
        hosts = []
        for host in report.hosts:
            venue = self.scenario.venues.get(host.venue)
            hosts.append(
                {
                    "venue_id": host.venue,
                    "venue": f"{venue.name.en} · {venue.name.zh}" if venue else host.venue,
                    "href": f"hosts/{host.venue}.html",
                    "date": host.date,
                    "group": host.group,
                    "status": host.status,
                    "before": host.before,
                    "after": host.after,
                    "reason": host.reason,
                }
            )
        return {
            "version": report.version,
            "previous_digest": report.previous_digest,
            "now": report.now,
            "summary": report.summary.model_dump(),
            "delegates": people,
            "hosts": hosts,
            "notes": report.notes,
        }

    def _delegate_change(self, delegate_id: str) -> dict[str, Any] | None:
        """What a re-plan changed for one delegate, for the banner on their page."""
        report = self.plan.metrics.changes
        if report is None:
            return None
        for change in report.delegates:
            if change.delegate == delegate_id:
                phrase = change_phrase(change.status, change.shift_min)
                return {"version": report.version, "en": phrase.en, "zh": phrase.zh}
        return None

    def _figures(self) -> list[dict[str, Any]]:
        assigned = sum(1 for d in self.scenario.delegates if self.rides.get(d.id))
        buses_per_day = Counter(g.date for g in self.groups)
        stops = [s for g in self.groups for s in g.stops if s.kind in ("visit", "lunch")]
        routes: set[str] = {g.route for g in self.groups}
        return [
            {
                "key": "delegates",
                "value": len(self.scenario.delegates),
                "en": "delegates",
                "zh": "嘉宾",
            },
            {"key": "assigned", "value": assigned, "en": "on a bus", "zh": "已安排"},
            {
                "key": "unassigned",
                "value": len(self.plan.unassigned),
                "en": "left out",
                "zh": "未安排",
            },
            {"key": "groups", "value": len(self.groups), "en": "groups (buses)", "zh": "车次"},
            {
                "key": "busiest_day_buses",
                "value": max(buses_per_day.values(), default=0),
                "en": "buses on the busiest day",
                "zh": "单日最多车辆",
            },
            {"key": "stops", "value": len(stops), "en": "stops", "zh": "站点"},
            {
                "key": "venues",
                "value": len({s.venue for s in stops}),
                "en": "venues visited",
                "zh": "参访单位",
            },
            {"key": "routes", "value": len(routes), "en": "routes running", "zh": "线路"},
            {"key": "days", "value": len(buses_per_day), "en": "days", "zh": "天"},
            {
                "key": "bus_hours",
                "value": f"{_bus_seconds(self.groups) / 3600:.1f}",
                "en": "bus hours, base to base",
                "zh": "车辆运行小时",
            },
            {
                "key": "drive_hours",
                "value": f"{sum(s.travel_s or 0 for g in self.groups for s in g.stops) / 3600:.1f}",
                "en": "hours on the road",
                "zh": "行车小时",
            },
        ]


def _bus_seconds(groups: list[Group]) -> float:
    """Time from leaving the base to coming back, summed over the groups."""
    total = 0.0
    for group in groups:
        leave = next((s.depart for s in group.stops if s.kind == "depart"), None)
        back = next((s.arrive for s in group.stops if s.kind == "return"), None)
        if leave is not None and back is not None:
            total += (back - leave).total_seconds()
    return total


def _quality(days: dict[str, DayFigures]) -> list[dict[str, Any]]:
    """Each day's quality certificate (``metrics.days``: prize, bound, gap), for the index;
    a day a re-plan changed says so instead; days without either (plans written before the
    certificate existed) are left out."""
    out = []
    for date, day in sorted(days.items()):
        if day.replanned_in is None and (day.bound is None or day.gap is None):
            continue
        gap = day.gap or 0.0
        out.append(
            {
                "date": date,
                "day": day_label(dt.date.fromisoformat(date)),
                "groups": "" if day.groups is None else day.groups,
                "replanned_in": day.replanned_in,
                "optimal": bool(day.proven_optimal) or gap <= 0,
                "gap": f"{max(gap * 100, 0.01):.2f} %",
            }
        )
    return out


def _costs(metrics: PlanMetrics, groups: list[Group]) -> dict[str, Any] | None:
    """The plan's cost per day and in total (``metrics.cost_cny_by_date``), for the index;
    None for plans written before costs were reported."""
    by_date = metrics.cost_cny_by_date
    if by_date is None:
        return None
    buses = Counter(g.date.isoformat() for g in groups)
    share = metrics.share_first_or_second_choice
    return {
        "days": [
            {
                "date": date,
                "day": day_label(dt.date.fromisoformat(date)),
                "buses": buses[date],
                "cost": f"{cost:,}",
            }
            for date, cost in sorted(by_date.items())
        ],
        "buses": len(groups),
        "total": f"{metrics.cost_cny or 0:,}",
        "rate": metrics.cny_per_rank_step,
        "share": None if share is None else f"{share * 100:.0f} %",
    }


def _frontier(metrics: PlanMetrics) -> dict[str, Any] | None:
    """The frontier of ``findhz plan --frontier`` (``metrics.frontier``) as an SVG plot's
    coordinates and a table: cost across, rank steps down (the best at the top)."""
    points = metrics.frontier
    if not points:
        return None
    width, height, left, right, top, bottom = 640, 300, 60, 600, 30, 260
    costs = [p.cost_cny for p in points]
    steps = [p.rank_steps for p in points]

    def scale(value: int, low: int, high: int, start: int, end: int) -> float:
        return round(
            start + (end - start) * ((value - low) / (high - low) if high > low else 0.5), 1
        )

    rate = metrics.cny_per_rank_step
    return {
        "width": width,
        "height": height,
        "left": left,
        "right": right,
        "top": top,
        "bottom": bottom,
        "points": [
            {
                "x": scale(p.cost_cny, min(costs), max(costs), left + 20, right - 20),
                "y": scale(p.rank_steps, min(steps), max(steps), top + 20, bottom - 20),
                "rate": p.cny_per_rank_step,
                "current": p.cny_per_rank_step == rate,
                "buses": p.buses,
                "cost": f"{p.cost_cny:,}",
                "first": p.first_choice,
                "second": p.second_choice,
                "lower": p.lower_choice,
                "command": p.command,
            }
            for p in points
        ],
    }


def _counted(counter: Counter[Any]) -> str:
    """``"France 2, Brazil 1"``: most first, then by name."""
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{name} {count}" for name, count in items)

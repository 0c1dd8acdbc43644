"""The map of some groups: base layers, one layer per group, the base, the legend.

One small builder per layer (a group's bus path and numbered stops, the base), each returning a
``FeatureGroup``; :func:`build_map` adds them, then the layer control, the legend and the datum
switch, and fits the bounds.

Datums: the catalogue is WGS-84. AMap tiles are GCJ-02, so while AMap is shown every overlay
is drawn at its GCJ-02 position (about 520 m away in Hangzhou); OpenStreetMap tiles are
WGS-84. Each tile layer carries its datum as a Leaflet option, every overlay is registered
with its points in both datums, and a small script moves the overlays on ``baselayerchange``.

Every text that came from an input file is escaped: popups and tooltips are rendered by an
autoescaping jinja2 environment and handed to Leaflet as JSON strings; layer names (which the
layer control shows as HTML) are escaped before folium sees them.
"""

from __future__ import annotations

import colorsys
import datetime as dt
import functools
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import folium
import xyzservices
from branca.element import Element, MacroElement
from jinja2 import Template
from markupsafe import Markup, escape

from findhz.maps.assets import leaflet_default_icon_script
from findhz.maps.morning import venue_links
from findhz.maps.templating import environment
from findhz.maps.text import CONFIDENCE, KINDS, STOP_KINDS, clock, day_label
from findhz.planner.models import Bilingual, Group, Route, Scenario, Stop, Venue
from findhz.planner.travel.datum import wgs84_to_gcj02

__all__ = [
    "MAP_SCRIPT",
    "TILES",
    "Datum",
    "Roads",
    "TileSpec",
    "build_map",
    "bus_colors",
    "group_label",
]

Datum = Literal["WGS-84", "GCJ-02"]
LatLon = tuple[float, float]
#: The road of each leg a routing service drew, by (from venue, to venue), WGS-84 points.
Roads = Mapping[tuple[str, str], Sequence[LatLon]]


@dataclass(frozen=True)
class TileSpec:
    """A base layer and the datum its tiles are drawn in."""

    name: str
    url: str
    subdomains: str
    datum: Datum
    attribution: str
    max_zoom: int


TILES: tuple[TileSpec, ...] = (
    TileSpec(
        name="AMap 高德地图",
        url=(
            "https://webrd0{s}.is.autonavi.com/appmaptile"
            "?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
        ),
        subdomains="1234",
        datum="GCJ-02",
        attribution="&copy; AutoNavi 高德地图 (GCJ-02)",
        max_zoom=18,
    ),
    TileSpec(
        name="OpenStreetMap",
        url="https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        subdomains="abc",
        datum="WGS-84",
        attribution=(
            '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
            " contributors"
        ),
        max_zoom=19,
    ),
)
DEFAULT_TILES = TILES[0]

# Around a low-confidence point, a dashed circle of this radius says "somewhere near here".
APPROXIMATE_RADIUS_M = 1000
#: A leg with no road geometry is drawn with this dash pattern and said to be a straight line.
STRAIGHT_DASH = "8 7"
MARKER_SPACING_PX = 24

_POPUP = environment().get_template("popup.html")

_BASE_POPUP = environment().get_template("base_popup.html")

_LEGEND = environment().get_template("legend.html")

STYLE = """
.fh-icon{background:none;border:none}
.fh-stop{box-sizing:border-box;width:26px;height:26px;border-radius:50%;background:var(--c);
 color:#fff;border:2px solid #fff;font:bold 13px/22px system-ui,sans-serif;text-align:center;
 box-shadow:0 1px 4px rgba(0,0,0,.5)}
.fh-stop.fh-lunch{border-radius:5px;background:#fff;color:var(--c);border:3px solid var(--c);
 line-height:20px}
.fh-stop.fh-conf-medium{border-style:dotted;border-color:#222}
.fh-stop.fh-conf-low,.fh-stop.fh-conf-unknown{border:2px dashed #222;opacity:.85}
.fh-stop.fh-conf-low::after,.fh-stop.fh-conf-unknown::after{content:"≈";position:absolute;
 right:-9px;top:-9px;font-size:13px;line-height:14px;width:14px;height:14px;border-radius:50%;
 background:#fff;color:#222;border:1px solid #222}
.fh-stop.fh-conf-unknown::after{content:"?"}
.fh-base{box-sizing:border-box;width:30px;height:30px;border-radius:4px;background:#222;color:#ffd400;
 font:bold 20px/28px system-ui,sans-serif;text-align:center;border:2px solid #fff;
 box-shadow:0 1px 4px rgba(0,0,0,.6)}
.fh-key{position:relative;display:inline-block;vertical-align:middle;width:22px;height:22px;
 font-size:11px;line-height:18px;margin:2px 4px 2px 0}
.fh-legend{position:absolute;z-index:1000;left:10px;bottom:52px;max-width:min(320px,70vw);
 max-height:45vh;overflow:auto;background:rgba(255,255,255,.93);padding:6px 10px;
 border-radius:6px;box-shadow:0 1px 5px rgba(0,0,0,.4);
 font:12px/1.4 system-ui,"Noto Sans CJK SC",sans-serif}
.fh-legend ul{list-style:none;margin:4px 0;padding:0}
.fh-legend summary{cursor:pointer}
.fh-swatch{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;
 vertical-align:middle}
.fh-datum{color:#555;font-size:11px}
.fh-line{display:inline-block;width:22px;margin:0 4px 0 0;vertical-align:middle;
 border-top:3px solid #555}
.fh-line.fh-dashed{border-top-style:dashed}
.fh-legend li[hidden]{display:none}
.fh-count.fh-key-count{position:static;display:inline-block;margin:2px 6px 2px 2px}
.fh-pop{font:13px/1.35 system-ui,"Noto Sans CJK SC",sans-serif;min-width:200px}
.fh-pop-title{font-size:14px;margin-bottom:3px}
.fh-pop-kind,.fh-pop-route{color:#444;margin-bottom:3px}
.fh-times{border-collapse:collapse;margin:4px 0}
.fh-times th{text-align:left;font-weight:normal;color:#555;padding:1px 8px 1px 0}
.fh-times td{font-weight:bold}
.fh-pop-approx{color:#a40000;margin-top:4px}
.fh-pop-links{margin-top:4px}
.leaflet-control-layers-list{font:12px/1.4 system-ui,"Noto Sans CJK SC",sans-serif}
.fh-day-pick{display:block;margin:0 0 4px}
.fh-day-pick select{font:inherit;max-width:100%}
.fh-count{position:absolute;box-sizing:border-box;min-width:18px;height:18px;padding:0 4px;
 margin:-9px 0 0 -9px;border-radius:9px;background:#222;color:#fff;border:1px solid #fff;
 font:bold 11px/16px system-ui,sans-serif;text-align:center;pointer-events:none}
.fh-main{display:block;position:relative;width:100%;height:100%}
.fh-sr{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;
 clip:rect(0 0 0 0);white-space:nowrap;border:0}
"""


def _map_script() -> str:
    """The maps' shared code: ``findhzSetup`` moves overlays between datums, fits the view
    clear of the legend, spreads overlapping markers with counts, switches days, closes popups
    with Escape. Inlined once per page, or linked from ``assets/maps.js`` when published."""
    return MAP_SETUP.replace("ICONS", leaflet_default_icon_script())


MAP_SETUP = """window.findhzSetup = function (map, shifts, dayLayers, baseLayer, bounds0, datum0,
                                     timezone) {
  if (!window.findhzIcons) { window.findhzIcons = true; ICONS }
  var legendBox = map.getContainer().parentElement.querySelector(".fh-legend");
  var daySelect = legendBox ? legendBox.querySelector(".fh-day-select") : null;
  function apply(datum) {
    for (var i = 0; i < shifts.length; i++) {
      var s = shifts[i], points = datum === "GCJ-02" ? s[2] : s[1];
      if (s[3]) { s[0].setLatLng(points[0]); } else { s[0].setLatLngs(points); }
    }
    map.getContainer().setAttribute("data-datum", datum);
  }
  map.getContainer().setAttribute("data-datum", datum0);
  if (window.innerWidth < 600 && legendBox && legendBox.querySelector("details")) {
    legendBox.querySelector("details").open = false;
  }
  // Fit what is shown, with the legend's side kept clear when it is open.
  function fit() {
    var bounds = L.latLngBounds([]);
    var shown = [baseLayer];
    for (var day in dayLayers) { shown = shown.concat(dayLayers[day]); }
    if (!Object.keys(dayLayers).length) { bounds.extend(bounds0); }
    shown.forEach(function (layer) {
      if (map.hasLayer(layer) && layer.getBounds) { bounds.extend(layer.getBounds()); }
    });
    var pad = {paddingTopLeft: [30, 30], paddingBottomRight: [30, 30], animate: false};
    var box = map.getContainer().getBoundingClientRect();
    var details = legendBox ? legendBox.querySelector("details") : null;
    if (legendBox && details && details.open) {
      var r = legendBox.getBoundingClientRect();
      if (box.width - r.width > 260) {
        pad.paddingTopLeft[0] = Math.min(r.right - box.left + 20, box.width / 2);
      } else {
        pad.paddingBottomRight[1] = Math.min(box.bottom - r.top + 20, box.height / 2);
      }
    }
    if (bounds.isValid()) { map.fitBounds(bounds, pad); }
  }
  map.on("baselayerchange", function (e) { apply(e.layer.options.datum); declutter(); });
  // Markers that land on the same pixels are fanned out (a spiral of 28 px steps) so that
  // each one can be tapped, with a count where they stand; recomputed when the view changes.
  function declutter() {
    // The legend and the map's controls count as taken, so no marker hides under them.
    var box = map.getContainer().getBoundingClientRect(), placed = [];
    var pane = map.getPane("markerPane");
    Array.prototype.slice.call(pane.querySelectorAll(".fh-count")).forEach(function (el) {
      el.remove();
    });
    var covers = Array.prototype.slice.call(
      map.getContainer().querySelectorAll(".leaflet-control"));
    if (legendBox) { covers.push(legendBox); }
    covers.forEach(function (el) {
      var r = el.getBoundingClientRect();
      if (r.width > 0) {
        placed.push([(r.left + r.right) / 2 - box.left, (r.top + r.bottom) / 2 - box.top,
                     r.width / 2, r.height / 2]);
      }
    });
    var markers = [];
    map.eachLayer(function (layer) {
      if (layer instanceof L.Marker && layer._icon) { markers.push(layer); }
    });
    // Where several markers share a spot, a count stands beside it (never over a marker).
    var spots = [];
    markers.forEach(function (layer) {
      var p = map.latLngToContainerPoint(layer.getLatLng());
      for (var i = 0; i < spots.length; i++) {
        if (Math.abs(spots[i].p.x - p.x) < 14 && Math.abs(spots[i].p.y - p.y) < 14) {
          spots[i].n += 1; return;
        }
      }
      spots.push({p: p, n: 1, at: layer.getLatLng()});
    });
    spots.forEach(function (spot) {
      if (spot.n < 2) { return; }
      var badge = L.DomUtil.create("div", "fh-count", pane);
      badge.textContent = spot.n;
      badge.setAttribute("aria-hidden", "true");
      badge.style.zIndex = -100000;
      var at = map.latLngToLayerPoint(spot.at).add([-20, -20]);
      L.DomUtil.setPosition(badge, at);
      placed.push([spot.p.x - 20, spot.p.y - 20, 10, 10]);
    });
    markers.forEach(function (layer) {
      var icon = layer._icon;
      if (!icon.fhBase) {
        icon.fhBase = [parseFloat(icon.style.marginLeft) || 0,
                       parseFloat(icon.style.marginTop) || 0];
      }
      var p = map.latLngToContainerPoint(layer.getLatLng());
      var w = icon.offsetWidth / 2, h = icon.offsetHeight / 2;
      var x0 = p.x + icon.fhBase[0] + w, y0 = p.y + icon.fhBase[1] + h, dx = 0, dy = 0;
      for (var k = 0; k < 200; k++) {
        var r = k === 0 ? 0 : 28 * Math.sqrt(k), a = k * 2.39996;
        dx = Math.round(r * Math.cos(a)); dy = Math.round(r * Math.sin(a));
        var cx = x0 + dx, cy = y0 + dy;
        var free = cx > w && cy > h && cx < box.width - w && cy < box.height - h;
        for (var j = 0; free && j < placed.length; j++) {
          var q = placed[j];
          if (Math.abs(q[0] - x0 - dx) < q[2] + w && Math.abs(q[1] - y0 - dy) < q[3] + h) {
            free = false; break;
          }
        }
        if (free) { break; }
      }
      icon.style.marginLeft = (icon.fhBase[0] + dx) + "px";
      icon.style.marginTop = (icon.fhBase[1] + dy) + "px";
      placed.push([x0 + dx, y0 + dy, w, h]);
    });
  }
  // One day at a time: the menu in the legend, or #YYYY-MM-DD in the address.
  function showDay(day) {
    for (var d in dayLayers) {
      dayLayers[d].forEach(function (layer) {
        if (day === "all" || d === day) { map.addLayer(layer); } else { map.removeLayer(layer); }
      });
    }
    if (legendBox) {
      legendBox.querySelectorAll("[data-date]").forEach(function (el) {
        el.hidden = !(day === "all" || el.getAttribute("data-date") === day);
      });
    }
    if (daySelect) { daySelect.value = day; }
    map.getContainer().setAttribute("data-day", day);
  }
  if (Object.keys(dayLayers).length) {
    var wanted = window.location.hash.slice(1);
    var today = new Intl.DateTimeFormat("en-CA", {timeZone: timezone})
      .format(new Date());
    var first = Object.keys(dayLayers).sort()[0];
    showDay(wanted in dayLayers || wanted === "all" ? wanted
            : (today in dayLayers ? today : first));
    if (daySelect) {
      daySelect.addEventListener("change", function () {
        showDay(daySelect.value);
        if (history.replaceState) { history.replaceState(null, "", "#" + daySelect.value); }
        fit(); declutter();
      });
    }
  }
  fit();
  map.on("zoomend overlayadd overlayremove", declutter);
  if (legendBox) {
    legendBox.addEventListener("toggle", declutter, true);
  }
  declutter();
  // A popup closes with Escape from anywhere on the page, and with a tap outside it.
  document.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { map.closePopup(); }
  });
  // A printed page has another size: draw the map again for it, and back after.
  window.addEventListener("beforeprint", function () { map.invalidateSize(); fit(); });
  window.addEventListener("afterprint", function () { map.invalidateSize(); fit(); });
  window.findhzMap = map;
};
"""

#: The shared code of the maps, as one script (see :func:`_map_script`).
MAP_SCRIPT = _map_script()


def group_label(group: Group, scenario: Scenario, color: str | None = None) -> Markup:
    """A group's name in the layer control, as safe HTML: colour, day, route, bus."""
    route = scenario.routes.get(group.route)
    color = color or (route.color if route is not None else "#666666")
    title = f"{route.title.en} {route.title.zh}" if route is not None else group.route
    return Markup('<span class="fh-swatch" style="background:{}"></span>{} · {} · {}').format(
        color, day_label(group.date).en, html_text(title), html_text(group.bus)
    ) + Markup(" <small>({})</small>").format(html_text(group.id))


def bus_colors(groups: Sequence[Group], scenario: Scenario) -> dict[str, str]:
    """A colour per group, so that the buses of one route on one day are told apart.

    The first bus of a route-day keeps the route's colour; each further one turns the hue by
    about 50 degrees and is darkened until white numbers on it keep a 4.5:1 contrast.
    """
    colors: dict[str, str] = {}
    seen: Counter[tuple[str, dt.date]] = Counter()
    for group in groups:
        route = scenario.routes.get(group.route)
        base = route.color if route is not None else "#666666"
        index = seen[(group.route, group.date)]
        seen[(group.route, group.date)] += 1
        colors[group.id] = base if index == 0 else _variant(base, index)
    return colors


def _variant(color: str, index: int) -> str:
    red, green, blue = (int(color[k : k + 2], 16) / 255 for k in (1, 3, 5))
    hue, light, sat = colorsys.rgb_to_hls(red, green, blue)
    hue = (hue + 0.14 * index) % 1.0
    sat = max(sat, 0.55)
    light = min(light, 0.42)
    while True:
        rgb = colorsys.hls_to_rgb(hue, light, sat)
        if _luminance(rgb) <= 0.18 or light <= 0.05:
            break
        light -= 0.02
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def _luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG relative luminance; white text keeps 4.5:1 on a colour of at most 0.183."""
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


@dataclass
class _Shifts:
    """Overlays and their points in both datums, for the datum switch."""

    datum: Datum
    items: list[tuple[MacroElement, list[LatLon], bool]] = field(default_factory=list)

    def place(self, points: Sequence[LatLon]) -> list[LatLon]:
        return [to_datum(p, self.datum) for p in points]

    def register(self, element: MacroElement, points: Sequence[LatLon], *, single: bool) -> None:
        self.items.append((element, list(points), single))


def to_datum(point: LatLon, datum: Datum) -> LatLon:
    """A WGS-84 point in the given datum, rounded to 1e-6 degrees (about 0.1 m)."""
    lat, lon = wgs84_to_gcj02(*point) if datum == "GCJ-02" else point
    return (round(lat, 6), round(lon, 6))


class _Marker(MacroElement):
    """A marker with a div icon, a popup and a tooltip, written as one script statement.

    folium's ``Marker`` with ``DivIcon`` and ``Popup`` makes four elements per stop, each of
    whose output branca compiles again as a template: slow, and unsafe for text from input
    files. Here the icon, popup and tooltip arrive as finished JavaScript string literals.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
var {{ this.get_name() }} = L.marker({{ this.location|tojson }}, {icon: L.divIcon({{ this.icon }})})
.bindPopup({{ this.popup }},
  {maxWidth: Math.min(300, window.innerWidth - 90), autoPanPadding: [10, 10]})
.bindTooltip({{ this.tooltip }})
.addTo({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(
        self,
        location: LatLon,
        *,
        icon_html: str,
        size: int,
        anchor: tuple[int, int],
        popup: str,
        tooltip: str,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "Marker"
        self.location = location
        self.icon = (
            f'{{"html": {js_string(icon_html)}, "iconSize": [{size}, {size}], '
            f'"iconAnchor": [{anchor[0]}, {anchor[1]}], "className": "fh-icon"}}'
        )
        self.popup = js_string(popup)
        self.tooltip = js_string(tooltip)


def js_string(text: str) -> str:
    """A JavaScript string literal safe inside ``<script>`` and inside a jinja2 template.

    Inside a script only ``</`` (which could close it) and ``<!--`` (which changes how it is
    parsed) matter to HTML, so ``</`` becomes ``<\\/`` and ``<!`` ``\\u003c!``; other markup stays
    as it is, which keeps the popups small. Braces are escaped, because branca compiles the
    output of every element once more as a template.
    """
    literal = json.dumps(text, ensure_ascii=False)
    for char, code in _JS_ESCAPES.items():
        literal = literal.replace(char, code)
    return literal


_JS_ESCAPES = {
    "</": "<\\/",
    "<!": "\\u003c!",
    "&": "\\u0026",
    "'": "\\u0027",
    "{": "\\u007b",
    "}": "\\u007d",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def html_text(text: str) -> Markup:
    """Text escaped for HTML that folium puts into its pages, braces included (see above)."""
    return Markup(str(escape(text)).replace("{", "&#123;").replace("}", "&#125;"))


class _DatumSwitch(MacroElement):
    """Move every registered overlay to the datum of the base layer being shown; fit the map
    to what it shows, clear of the legend; spread markers that overlap; switch days.

    Fits at once (folium's ``fit_bounds`` animates the zoom from the initial view, and a page
    that is driven at once would catch it midway).
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
findhzSetup({{ this._parent.get_name() }}, [
{% for name, wgs, gcj, single in this.rows %}
  [{{ name }}, {{ wgs|tojson }}, {{ gcj|tojson }}, {{ single|tojson }}],
{% endfor %}
], {
{% for date, names in this.days %}
  {{ date|tojson }}: [{{ names|join(", ") }}],
{% endfor %}
}, {{ this.base }}, {{ this.bounds|tojson }}, {{ this.datum|tojson }}, {{ this.timezone|tojson }});
{% endmacro %}"""
    )

    def __init__(
        self,
        shifts: _Shifts,
        bounds: tuple[LatLon, LatLon],
        *,
        layers: Mapping[str, Sequence[folium.FeatureGroup]],
        base: folium.FeatureGroup,
        timezone: str,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._name = "DatumSwitch"
        self.datum = shifts.datum
        self.bounds = bounds
        self.days = [
            (date, [layer.get_name() for layer in group_layers])
            for date, group_layers in sorted(layers.items())
        ]
        self.base = base.get_name()
        self.timezone = timezone
        self.rows = [
            (
                element.get_name(),
                [to_datum(p, "WGS-84") for p in points],
                [to_datum(p, "GCJ-02") for p in points],
                single,
            )
            for element, points, single in shifts.items
        ]


def _point(venue: Venue) -> LatLon:
    return (venue.location.lat, venue.location.lon)


def _stop_marker(
    stop: Stop,
    number: int,
    group: Group,
    route: Route,
    scenario: Scenario,
    shifts: _Shifts,
    slot: int,
    color: str,
) -> _Marker:
    """A numbered marker; the ``slot``-th marker at the same venue sits beside the first."""
    venue = scenario.venues[stop.venue]
    tz = scenario.tz()
    confidence = venue.location.confidence
    icon = Markup(
        '<div class="fh-stop fh-{} fh-conf-{}" style="--c:{}" data-group="{}" data-stop="{}"'
        ' data-venue="{}">{}</div>'
    ).format(stop.kind, confidence, color, group.id, number, venue.id, number)
    popup = _POPUP.render(
        number=number,
        venue=venue,
        kind=KINDS[venue.kind],
        route=route,
        day=day_label(group.date),
        group=group,
        stop_kind=STOP_KINDS[stop.kind],
        arrive=clock(stop.arrive, tz),
        start=clock(stop.start, tz),
        end=clock(stop.end, tz),
        depart=clock(stop.depart, tz),
        confidence=CONFIDENCE[confidence],
        links=venue_links(venue),
    )
    tooltip = str(Markup("{}. {} · {}").format(number, venue.name.en, venue.name.zh))
    marker = _Marker(
        shifts.place([_point(venue)])[0],
        icon_html=str(icon),
        size=26,
        anchor=(13 - MARKER_SPACING_PX * slot, 13),
        popup=popup,
        tooltip=tooltip,
    )
    shifts.register(marker, [_point(venue)], single=True)
    return marker


def _approximate_area(venue: Venue, color: str, shifts: _Shifts) -> folium.Circle | None:
    if venue.location.confidence != "low":
        return None
    circle = folium.Circle(
        location=shifts.place([_point(venue)])[0],
        radius=APPROXIMATE_RADIUS_M,
        color=color,
        weight=1.5,
        dash_array="4 6",
        fill=True,
        fill_opacity=0.08,
        interactive=False,
    )
    shifts.register(circle, [_point(venue)], single=True)
    return circle


def group_layer(
    group: Group,
    scenario: Scenario,
    shifts: _Shifts,
    *,
    color: str | None = None,
    roads: Roads | None = None,
    show: bool = True,
    slots: Counter[str] | None = None,
) -> folium.FeatureGroup:
    """A group's day: the bus path in visit order (base to base) and numbered stop markers.

    Each leg follows its road when ``roads`` has it, else it is a dashed straight line whose
    tooltip says so. ``slots`` counts the markers already drawn at each venue on the same
    map, so that markers of several groups at one venue stand side by side.
    """
    slots = Counter() if slots is None else slots
    roads = roads or {}
    route = scenario.routes[group.route]
    color = color or route.color
    layer = folium.FeatureGroup(name=str(group_label(group, scenario, color)), show=show)
    for leg in _legs(group, scenario, roads):
        line = folium.PolyLine(  # type: ignore[no-untyped-call]
            locations=shifts.place(leg.points),
            color=color,
            weight=4,
            opacity=0.85,
            dash_array=None if leg.road else STRAIGHT_DASH,
            tooltip=None if leg.road else STRAIGHT_TOOLTIP,
        )
        shifts.register(line, leg.points, single=False)
        layer.add_child(line)
    number = 0
    for stop in group.stops:
        if stop.kind not in ("visit", "lunch"):
            continue
        number += 1
        venue = scenario.venues[stop.venue]
        slot = slots[venue.id]
        slots[venue.id] += 1
        area = _approximate_area(venue, color, shifts)
        if area is not None:
            layer.add_child(area)
        layer.add_child(_stop_marker(stop, number, group, route, scenario, shifts, slot, color))
    return layer


STRAIGHT_TOOLTIP = "Straight line, not the road · 直线示意，非实际道路"


@dataclass(frozen=True)
class _Leg:
    points: list[LatLon]
    road: bool


def _legs(group: Group, scenario: Scenario, roads: Roads) -> list[_Leg]:
    """The group's legs in order; consecutive straight legs are joined into one line."""
    legs: list[_Leg] = []
    for before, after in zip(group.stops, group.stops[1:], strict=False):
        if before.venue == after.venue:
            continue
        a, b = _point(scenario.venues[before.venue]), _point(scenario.venues[after.venue])
        road = roads.get((before.venue, after.venue))
        if road:
            legs.append(_Leg([a, *road, b], road=True))
        elif legs and not legs[-1].road:
            legs[-1].points.append(b)
        else:
            legs.append(_Leg([a, b], road=False))
    return legs


def base_layer(scenario: Scenario, shifts: _Shifts) -> folium.FeatureGroup:
    """The base where buses start and end, drawn once."""
    base = scenario.base
    name = Markup("★ Base · 出发地: {}").format(html_text(base.name.en))
    layer = folium.FeatureGroup(name=str(name), show=True)
    marker = _Marker(
        shifts.place([_point(base)])[0],
        icon_html='<div class="fh-base">★</div>',
        size=30,
        anchor=(15, 15),
        popup=_BASE_POPUP.render(venue=base),
        tooltip=str(Markup("Base · 出发地: {} · {}").format(base.name.en, base.name.zh)),
    )
    shifts.register(marker, [_point(base)], single=True)
    layer.add_child(marker)
    return layer


def build_map(
    groups: Sequence[Group],
    scenario: Scenario,
    *,
    title: Bilingual,
    home: str | None = None,
    compact: bool = False,
    roads: Roads | None = None,
    day_selector: bool = False,
) -> folium.Map:
    """A map of the given groups, one layer each, with both base layers and a legend.

    Each bus has its own colour (:func:`bus_colors`), named in the legend. Legs follow the
    roads in ``roads`` and are dashed straight lines otherwise. With ``day_selector`` and
    groups on several days, the map shows one day at a time (today during the event, else
    the first day; ``#YYYY-MM-DD`` in the address picks one) and a menu switches days.
    The layer control starts folded; the legend too in ``compact`` maps (one group, also
    embedded in delegate pages) and on narrow screens, so that a phone shows the map.
    """
    shifts = _Shifts(datum=DEFAULT_TILES.datum)
    points = [_point(scenario.base)] + [
        _point(scenario.venues[stop.venue]) for group in groups for stop in group.stops
    ]
    fmap = folium.Map(
        location=shifts.place([_center(points)])[0],
        zoom_start=11,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
    )
    # Only Leaflet itself: the popups are plain strings, the markers plain divs.
    fmap.default_js = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")]
    fmap.default_css = [
        ("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")
    ]
    for spec in TILES:
        folium.TileLayer(
            tiles=_provider(spec),
            attr=spec.attribution,
            name=spec.name,
            subdomains=spec.subdomains,
            max_zoom=spec.max_zoom,
            max_native_zoom=spec.max_zoom,
            show=spec is DEFAULT_TILES,
            datum=spec.datum,
        ).add_to(fmap)
    colors = bus_colors(groups, scenario)
    layers: dict[str, list[folium.FeatureGroup]] = {}
    slots: Counter[str] = Counter()
    straight = road = False
    for group in groups:
        layer = group_layer(
            group, scenario, shifts, color=colors[group.id], roads=roads, slots=slots
        )
        layer.add_to(fmap)
        layers.setdefault(group.date.isoformat(), []).append(layer)
        for leg in _legs(group, scenario, roads or {}):
            road |= leg.road
            straight |= not leg.road
    base = base_layer(scenario, shifts)
    base.add_to(fmap)
    folium.LayerControl(collapsed=True).add_to(fmap)
    several_days = day_selector and len(layers) > 1
    buses = [
        {
            "group": group,
            "route": scenario.routes[group.route],
            "color": colors[group.id],
            "date": group.date.isoformat(),
            "day": day_label(group.date),
            "people": len(group.delegates),
        }
        for group in groups
    ]
    legend = _LEGEND.render(
        title=title,
        buses=buses,
        days=[(date, day_label(dt.date.fromisoformat(date))) for date in layers]
        if several_days
        else [],
        show_day=len(layers) > 1,
        home=home,
        open=not compact,
        road=road,
        straight=straight,
    )
    figure: Any = fmap.get_root()
    figure.html.add_child(Element(str(legend).replace("{", "&#123;").replace("}", "&#125;")))
    figure.header.add_child(Element(f"<style>{STYLE}</style>"))
    figure.header.add_child(Element(f"<script>{MAP_SCRIPT}</script>"))
    placed = shifts.place(points)
    bounds = (
        (min(p[0] for p in placed), min(p[1] for p in placed)),
        (max(p[0] for p in placed), max(p[1] for p in placed)),
    )
    fmap.add_child(
        _DatumSwitch(
            shifts,
            bounds,
            layers=layers if several_days else {},
            base=base,
            timezone=scenario.spec.timezone,
        )
    )
    return fmap


@functools.cache
def _provider(spec: TileSpec) -> xyzservices.TileProvider:
    """The tile source as an xyzservices provider (a plain URL makes folium search its list)."""
    return xyzservices.TileProvider(
        name=spec.name, url=spec.url, attribution=spec.name, html_attribution=spec.attribution
    )


def _center(points: Sequence[LatLon]) -> LatLon:
    lats = [p[0] for p in points]
    lons = [p[1] for p in points]
    return ((min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2)

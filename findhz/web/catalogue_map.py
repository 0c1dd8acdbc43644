"""The set-up page's map: every venue of the event's catalogue, the base and the running routes.

Drawn with folium and finished by ``findhz.maps.pages.finish_map`` (Leaflet inlined, nothing from a
CDN). Only OpenStreetMap tiles, which are WGS-84 like the catalogue, so no point is shifted.
A venue's tooltip says how sure its position is and where it came from.
"""

from __future__ import annotations

import folium
from markupsafe import Markup

from findhz.maps.layers import TILES, html_text
from findhz.maps.pages import finish_map
from findhz.planner.models import Scenario

__all__ = ["catalogue_map"]

_OSM = next(t for t in TILES if t.datum == "WGS-84")
_RADIUS = {"high": 6, "medium": 8, "low": 11, "unknown": 11}


def _in_template_literal(html: str) -> str:
    """HTML that folium may put between JavaScript backquotes: no backquote or backslash
    (braces and ``<`` are escaped already)."""
    return html.replace("\\", "&#92;").replace("`", "&#96;")


def catalogue_map(scenario: Scenario) -> str:
    """A self-contained HTML page of the catalogue's venues (the base as a star)."""
    running = {v.id: r for r in scenario.running_routes for v in r.venues}
    points = [(v.location.lat, v.location.lon) for v in scenario.venues.values()]
    fmap = folium.Map(
        location=(sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)),
        zoom_start=10,
        tiles=None,
        control_scale=True,
    )
    fmap.default_js = [("leaflet", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js")]
    fmap.default_css = [
        ("leaflet_css", "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css")
    ]
    folium.TileLayer(
        tiles=_OSM.url, attr=_OSM.attribution, name=_OSM.name, max_zoom=_OSM.max_zoom
    ).add_to(fmap)
    for venue in sorted(scenario.venues.values(), key=lambda v: v.id):
        route = running.get(venue.id)
        is_base = venue.id == scenario.base.id
        color = "#111111" if is_base else (route.color if route else "#888888")
        about = Markup(
            "<b>{}</b><br>{}<br><code>{}</code> · {}<br>{}{}<br>position: {} confidence ({})"
        ).format(
            html_text(venue.name.en),
            html_text(venue.name.zh),
            html_text(venue.id),
            html_text(venue.kind),
            Markup("<b>base</b> · ") if is_base else "",
            html_text(f"route {route.id}") if route else "on no running route",
            html_text(venue.location.confidence),
            html_text(venue.location.source),
        )
        folium.CircleMarker(
            location=(venue.location.lat, venue.location.lon),
            radius=14 if is_base else _RADIUS.get(venue.location.confidence, 8),
            color=color,
            weight=3 if is_base else 2,
            fill=True,
            fill_opacity=0.7 if route or is_base else 0.3,
            # a tooltip, not a popup: folium's popups need jQuery, which the page does not load
            tooltip=folium.Tooltip(_in_template_literal(str(about)), sticky=False),
        ).add_to(fmap)
    fmap.fit_bounds(
        [
            (min(p[0] for p in points), min(p[1] for p in points)),
            (max(p[0] for p in points), max(p[1] for p in points)),
        ]
    )
    title = "Venues of the catalogue · 场馆"
    return finish_map(fmap, prefix="catalogue", title=title, page="catalogue").html

"""Turn folium maps into finished, self-contained, deterministic HTML.

folium names every element ``<kind>_<32 random hex digits>``; :func:`finish_map` renumbers
them in order of appearance (with a prefix per map, so that several maps can share one page),
inlines the vendored Leaflet, and checks that nothing external is left. The body and script
of a finished map are kept apart too, so that a delegate page can embed several maps with one
copy of Leaflet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import folium
from markupsafe import Markup, escape

from findhz.maps.assets import check_self_contained, inline_assets
from findhz.planner.models import Bilingual

__all__ = ["MapPage", "finish_map"]

_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")
_PAGE = re.compile(
    r"^<!DOCTYPE html>\n<html>\n<head>\n(?P<head>.*)\n</head>\n<body>\n(?P<body>.*)\n</body>\n"
    r"<script>\n(?P<script>.*)\n</script>\n</html>\n?$",
    re.DOTALL,
)


_NO_ZOOM = re.compile(r",\s*maximum-scale=1\.0,\s*user-scalable=no")


@dataclass(frozen=True)
class MapPage:
    """A finished map: the whole page, and its body and script for embedding."""

    html: str
    body: str
    script: str


def finish_map(
    fmap: folium.Map,
    *,
    prefix: str,
    title: str,
    page: str,
    heading: Bilingual | None = None,
) -> MapPage:
    """Render a map to a self-contained page with deterministic element names.

    The whole page holds the map in a ``main`` landmark under an ``h1`` (``heading``, English
    and Chinese; shown to screen readers, the legend shows it to everyone); the body kept
    for embedding has neither, as the page that embeds it has its own.
    """
    figure: Any = fmap.get_root()
    figure.title = str(escape(title))
    html = _renumber(figure.render(), prefix)
    parts = _PAGE.match(html)
    if parts is None:
        raise RuntimeError("folium's page layout changed: cannot find head, body and script")
    html = inline_assets(html)
    # folium forbids zooming the page, which people with low vision need (WCAG 1.4.4).
    html = _NO_ZOOM.sub("", html)
    html = html.replace(
        "<html>\n<head>\n",
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n',
        1,
    )
    en, zh = (heading.en, heading.zh) if heading else (title, "")
    h1 = Markup('<h1 class="fh-sr">{}{}</h1>').format(
        en, Markup(' · <span lang="zh">{}</span>').format(zh) if zh else ""
    )
    html = html.replace("<body>\n", f'<body>\n<main class="fh-main">\n{h1}\n', 1)
    html = html.replace("\n</body>\n", "\n</main>\n</body>\n", 1)
    check_self_contained(html, page=page)
    return MapPage(html=html, body=parts["body"], script=parts["script"])


def _renumber(html: str, prefix: str) -> str:
    names: dict[str, str] = {}

    def number(match: re.Match[str]) -> str:
        key = match.group(0)
        if key not in names:
            names[key] = f"{prefix}{len(names) + 1}"
        return names[key]

    return _FOLIUM_ID.sub(number, html)

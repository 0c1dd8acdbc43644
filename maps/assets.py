"""Vendored Leaflet, inlined into each page so that the only network requests are map tiles.

folium links its scripts and stylesheets from public CDNs, which are often unreachable from
mainland China and always unreachable offline. :func:`inline_assets` replaces every link it
knows by the contents of the vendored copy (``maps/vendor/``, see its README for versions and
licences), turns the stylesheets' relative ``url()`` images into ``data:`` URIs, and
:func:`check_self_contained` raises if any external script or stylesheet is left, so that a
future folium that links something new breaks a test instead of going online.
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

__all__ = [
    "LEAFLET_CSS_URL",
    "LEAFLET_JS_URL",
    "ExternalAssetError",
    "check_self_contained",
    "inline_assets",
    "leaflet_default_icon_script",
    "leaflet_head",
    "link_shared",
    "shared_files",
]

VENDOR = Path(__file__).resolve().parent / "vendor"
LEAFLET_DIR = VENDOR / "leaflet-1.9.3"
LEAFLET_JS_URL = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"
LEAFLET_CSS_URL = "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"

# The links folium writes, and the vendored file that replaces each.
_SCRIPTS = {LEAFLET_JS_URL: LEAFLET_DIR / "leaflet.js"}
_STYLESHEETS = {LEAFLET_CSS_URL: LEAFLET_DIR / "leaflet.css"}

_SCRIPT_LINK = re.compile(r'<script\s+src="(?P<url>[^"]+)"\s*>\s*</script>')
_STYLE_LINK = re.compile(r'<link\s+rel="stylesheet"\s+href="(?P<url>[^"]+)"\s*/?>')
_CSS_URL = re.compile(r"url\((?P<quote>['\"]?)(?P<ref>[^)'\"]+)(?P=quote)\)")
_SOURCE_MAP = re.compile(r"^\s*//# sourceMappingURL=.*$", re.MULTILINE)
_MIME = {".png": "image/png", ".svg": "image/svg+xml", ".gif": "image/gif"}

# What must not be left in a page: a script with a source, a stylesheet or other fetched link,
# a CSS import or a CSS url() that is not a data: URI or a fragment.
_EXTERNAL = (
    re.compile(r"<script\b[^>]*\bsrc\s*=", re.IGNORECASE),
    re.compile(r"<link\b(?![^>]*\bhref\s*=\s*[\"']data:)[^>]*\bhref\s*=", re.IGNORECASE),
    re.compile(r"@import\b", re.IGNORECASE),
    re.compile(r"(?<![\w.$])url\(\s*(?!['\"]?(?:data:|#))"),
)


class ExternalAssetError(RuntimeError):
    """A page still links a script or stylesheet that is not inlined."""


def inline_assets(html: str) -> str:
    """Replace folium's known script and stylesheet links by the vendored files' contents."""

    def script(match: re.Match[str]) -> str:
        path = _SCRIPTS.get(match["url"])
        if path is None:
            raise ExternalAssetError(f"no vendored copy of the script {match['url']}")
        return f"<script>{_script_text(path)}</script>"

    def style(match: re.Match[str]) -> str:
        path = _STYLESHEETS.get(match["url"])
        if path is None:
            raise ExternalAssetError(f"no vendored copy of the stylesheet {match['url']}")
        return f"<style>{_style_text(path)}</style>"

    html = _SCRIPT_LINK.sub(script, html)
    return _STYLE_LINK.sub(style, html)


def check_self_contained(html: str, *, page: str = "page") -> None:
    """Raise :class:`ExternalAssetError` if the page links anything it would have to fetch."""
    for pattern in _EXTERNAL:
        match = pattern.search(html)
        if match is not None:
            start = max(match.start() - 40, 0)
            raise ExternalAssetError(
                f"{page}: external asset left at offset {match.start()}: "
                f"{html[start : match.end() + 80]!r}"
            )


def leaflet_default_icon_script() -> str:
    """Point Leaflet's default marker icon at inlined images.

    With the stylesheet inlined, Leaflet's image-path detection finds no URL and would ask for
    ``nullmarker-icon.png``; setting the URLs explicitly keeps any default marker offline.
    """
    images = LEAFLET_DIR / "images"
    return (
        "L.Icon.Default.mergeOptions({"
        f'iconUrl:"{_data_uri(images / "marker-icon.png")}",'
        f'iconRetinaUrl:"{_data_uri(images / "marker-icon-2x.png")}",'
        f'shadowUrl:"{_data_uri(images / "marker-shadow.png")}"'
        "});"
    )


@functools.cache
def _script_text(path: Path) -> str:
    text = _SOURCE_MAP.sub("", path.read_text(encoding="utf-8"))
    if "</script" in text.lower():
        raise ExternalAssetError(f"{path.name} contains '</script' and cannot be inlined")
    return text


@functools.cache
def _style_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")

    def data(match: re.Match[str]) -> str:
        ref = match["ref"]
        if ref.startswith(("data:", "#")):
            return match.group(0)
        target = (path.parent / ref).resolve()
        if not target.is_relative_to(path.parent) or not target.is_file():
            raise ExternalAssetError(f"{path.name}: url({ref}) is not a vendored file")
        return f'url("{_data_uri(target)}")'

    return _CSS_URL.sub(data, text)


@functools.cache
def _data_uri(path: Path) -> str:
    mime = _MIME[path.suffix]
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def leaflet_head() -> str:
    """Leaflet's stylesheet and script as inline tags, for pages that embed maps."""
    return (
        f"<style>{_style_text(_STYLESHEETS[LEAFLET_CSS_URL])}</style>\n"
        f"<script>{_script_text(_SCRIPTS[LEAFLET_JS_URL])}</script>"
    )


# A published site writes each shared file once under ``assets/`` and every page links it,
# instead of carrying its own copy: Leaflet, the map styles and the pages' common styles.
ASSETS = "assets"


def shared_files(styles: dict[str, str], scripts: dict[str, str] | None = None) -> dict[str, str]:
    """The files of the ``assets/`` folder: vendored Leaflet plus the named stylesheets and
    scripts."""
    return {
        "leaflet-1.9.3.js": _script_text(_SCRIPTS[LEAFLET_JS_URL]),
        "leaflet-1.9.3.css": _style_text(_STYLESHEETS[LEAFLET_CSS_URL]),
        **styles,
        **(scripts or {}),
    }


def link_shared(
    html: str, *, root: str, styles: dict[str, str], scripts: dict[str, str] | None = None
) -> str:
    """Replace the inlined copies of the shared files by links relative to the page.

    ``root`` leads from the page to the site's top folder (``""`` or ``"../"``). The links are
    relative, so the site opens from the file system as well as from any static host.
    """
    base = f"{root}{ASSETS}/"
    html = html.replace(
        f"<script>{_script_text(_SCRIPTS[LEAFLET_JS_URL])}</script>",
        f'<script src="{base}leaflet-1.9.3.js"></script>',
    )
    html = html.replace(
        f"<style>{_style_text(_STYLESHEETS[LEAFLET_CSS_URL])}</style>",
        f'<link rel="stylesheet" href="{base}leaflet-1.9.3.css">',
    )
    for name, text in (scripts or {}).items():
        html = html.replace(f"<script>{text}</script>", f'<script src="{base}{name}"></script>')
    for name, text in styles.items():
        html = html.replace(
            f"<style>{text}</style>", f'<link rel="stylesheet" href="{base}{name}">'
        )
        html = html.replace(
            f"<style>\n{text}", f'<link rel="stylesheet" href="{base}{name}">\n<style>\n'
        )
    return html

"""The vendored assets: each with its licence, listed in the README, and what pages inline."""

from __future__ import annotations

import hashlib
from pathlib import Path

import findhz.maps
from findhz.maps.assets import LEAFLET_CSS_URL, LEAFLET_JS_URL, inline_assets

VENDOR = Path(findhz.maps.__file__).resolve().parent / "vendor"


def test_every_vendored_package_has_its_licence_and_a_readme_row() -> None:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    folders = [p for p in VENDOR.iterdir() if p.is_dir()]
    assert folders
    for folder in folders:
        assert (folder / "LICENSE").is_file(), folder.name
        assert f"`{folder.name}/`" in readme, folder.name


def test_readme_checksums_match_the_files() -> None:
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    for line in readme.splitlines():
        parts = line.split()
        if len(parts) == 2 and len(parts[0]) == 64:
            digest = hashlib.sha256((VENDOR / parts[1]).read_bytes()).hexdigest()
            assert digest == parts[0], parts[1]


def test_leaflet_links_become_inline_code() -> None:
    html = inline_assets(
        f'<head><script src="{LEAFLET_JS_URL}"></script>\n'
        f'<link rel="stylesheet" href="{LEAFLET_CSS_URL}"/></head>'
    )
    assert "<script src" not in html and "<link" not in html
    assert 'version="1.9.3"' in html  # Leaflet's own version string
    assert 'url("data:image/png;base64,' in html  # the layer-control icon
    assert "sourceMappingURL" not in html

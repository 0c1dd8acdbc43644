"""Self-contained HTML for a plan: interactive maps, delegate itineraries, host schedules.

``render_site(plan, scenario, out_dir)`` writes the pages; Leaflet is vendored and inlined,
so the only network requests of a page are map tiles. ``planner`` never imports this package.
"""

from __future__ import annotations

from findhz.maps.site import render_qr_sheets, render_site

__all__ = ["render_qr_sheets", "render_site"]

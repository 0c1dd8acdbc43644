"""The set-up page over HTTP: the form from the scenario file, checked by the loader as the
coordinator types, saved as a scenario edit only when the whole event loads."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml
from webhelpers import post

from findhz.web.events import catalogue, setup_form

EVENT = "/events/example-conference-300"


def _form(data_dir: Path) -> dict[str, str | list[str]]:
    """The form as the page fills it in (every route ticked when the scenario names none)."""
    event_dir = data_dir / "events" / "example-conference-300"
    values = setup_form(event_dir)
    form: dict[str, str | list[str]] = {k: v[0] for k, v in values.items() if k != "route"}
    form["route"] = values.get("route", list(catalogue(event_dir)[1]))
    return form


def test_setup_form_shows_the_scenario_and_a_venue_map(client: httpx.Client) -> None:
    page = client.get(f"{EVENT}/setup")
    assert page.status_code == 200
    assert 'name="fleet-seats-0"' in page.text and 'name="staff_per_bus"' in page.text
    assert 'name="ov-hours-0"' in page.text and 'name="route"' in page.text
    venue_map = client.get(f"{EVENT}/setup/map")
    assert venue_map.status_code == 200
    assert "L.circleMarker" in venue_map.text
    assert "cdn.jsdelivr" not in venue_map.text  # Leaflet inlined, never from a CDN


def test_check_as_you_type_names_the_field(client: httpx.Client, data_dir: Path) -> None:
    form = _form(data_dir)
    good = post(client, f"{EVENT}/setup/check", form).json()
    assert good == {"problems": []}
    bad = post(client, f"{EVENT}/setup/check", {**form, "fleet-seats-0": "lots"}).json()
    assert [p["input"] for p in bad["problems"]] == ["fleet-seats-0"]
    assert "fleet[0].seats" in bad["problems"][0]["text"]
    early = post(client, f"{EVENT}/setup/check", {**form, "day_end": "07:00"}).json()
    assert early["problems"], "a day that ends before it starts must be refused"
    closed = post(
        client,
        f"{EVENT}/setup/check",
        {**form, "ov-venue-0": "atlantis", "ov-date-0": form["dates"].split()[0]},
    ).json()
    assert closed["problems"] and "atlantis" in closed["problems"][0]["text"]
    spec_file = data_dir / "events" / "example-conference-300" / "scenario" / "scenario.yaml"
    before = spec_file.read_bytes()
    assert post(client, f"{EVENT}/setup", {**form, "fleet-seats-0": "lots"}).status_code == 422
    assert spec_file.read_bytes() == before  # nothing kept from a refused save
    leftovers = [p.name for p in spec_file.parent.iterdir() if ".next" in p.name]
    assert leftovers == []


def test_save_keeps_prices_routes_and_closures(client: httpx.Client, data_dir: Path) -> None:
    form = _form(data_dir)
    first_date = str(form["dates"]).split()[0]
    routes = list(form["route"])
    dropped = routes[-1]
    changed = {
        **form,
        "fleet-cost-0": "2500",
        "staff_per_bus": "900",
        "route": routes[:-1],
        f"route-dates-{routes[0]}": first_date,
        "ov-venue-9": "*",
        "ov-date-9": first_date,
        "ov-hours-9": "09:00-12:00 13:30-17:00",
    }
    saved = post(client, f"{EVENT}/setup", changed)
    assert saved.status_code == 200, saved.text[:2000]
    assert 'id="saved"' in saved.text
    spec = yaml.safe_load(
        (data_dir / "events" / "example-conference-300" / "scenario" / "scenario.yaml").read_text()
    )
    assert spec["fleet"][0]["cost_per_day"] == 2500 and spec["staff_per_bus"] == 900
    assert dropped not in spec["routes"]
    assert spec["route_settings"][routes[0]]["dates"] == [first_date]
    assert {"venue": "*", "date": first_date, "hours": ["09:00-12:00", "13:30-17:00"]} in [
        {**o, "date": str(o["date"])} for o in spec["overrides"]
    ]
    event = client.get(EVENT).text
    assert "setup" in event  # the edit is logged with who and when
    assert "2,500 CNY a day" in event


def test_venue_map_keeps_catalogue_text_out_of_its_script() -> None:
    from findhz.planner.bundled import bundled_routes
    from findhz.planner.loading import load_scenario
    from findhz.web.catalogue_map import catalogue_map

    scenario = load_scenario(bundled_routes() / "scenarios" / "findhz-2024.yaml")
    venue = next(iter(scenario.venues.values()))
    tricky = "`); window.__pwned = 1; (`\\u ${x} </script><b>"
    location = venue.location.model_copy(update={"source": tricky})
    venues = dict(scenario.venues)
    venues[venue.id] = venue.model_copy(update={"location": location})
    html = catalogue_map(scenario.model_copy(update={"venues": venues}))
    assert "window.__pwned = 1; (" in html  # the text is there, as text
    assert "`); window.__pwned" not in html and "</script><b>" not in html
    assert "&#96;); window.__pwned" in html

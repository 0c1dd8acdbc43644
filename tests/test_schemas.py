"""The JSON Schemas in ``routes/schemas/``: generated from the models, committed, and in use.

The committed files must be exactly what ``findhz schemas`` writes; every bundled YAML file
names its schema in its first line (for editors) and passes it; so does every row of the
bundled delegates tables, and the schemas reject what the loader rejects.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from findhz.cli import app
from findhz.planner.bundled import bundled_routes
from findhz.planner.schemas import SCHEMA_FILES, render_schemas

ROUTES = bundled_routes()
SCHEMAS = ROUTES / "schemas"
BUNDLED_YAML = {
    "venues.yaml": "venues.schema.json",
    "themes.yaml": "themes.schema.json",
    "scenarios/findhz-2024.yaml": "scenario.schema.json",
    "scenarios/conference-300.yaml": "scenario.schema.json",
}


def _as_json(value: Any) -> Any:
    """YAML data as an editor's YAML server sees it: dates are strings."""
    if isinstance(value, dict):
        return {str(k): _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _validator(name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _errors(name: str, data: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in _validator(name).iter_errors(data)]


def test_committed_schemas_are_what_the_models_generate() -> None:
    rendered = render_schemas()
    assert sorted(rendered) == sorted(SCHEMA_FILES)
    on_disk = sorted(p.name for p in SCHEMAS.glob("*.json"))
    assert on_disk == sorted(rendered), "run `findhz schemas` and commit routes/schemas/"
    for name, text in rendered.items():
        assert (SCHEMAS / name).read_bytes() == text.encode("utf-8"), name


def test_rendering_is_deterministic() -> None:
    assert render_schemas() == render_schemas()


def test_schemas_check_passes_on_the_committed_files() -> None:
    result = CliRunner().invoke(app, ["schemas", "--check"])
    assert result.exit_code == 0, result.stderr


def test_schemas_check_names_a_stale_file(tmp_path: Path) -> None:
    assert CliRunner().invoke(app, ["schemas", "--out", str(tmp_path)]).exit_code == 0
    (tmp_path / "themes.schema.json").write_text("{}\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["schemas", "--out", str(tmp_path), "--check"])
    assert result.exit_code == 1
    assert "themes.schema.json" in result.stderr


@pytest.mark.parametrize("name", sorted(SCHEMA_FILES))
def test_each_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == name
    jsonschema.Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("relative", sorted(BUNDLED_YAML))
def test_bundled_yaml_names_its_schema_in_the_first_line(relative: str) -> None:
    path = ROUTES / relative
    first = path.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    target = (path.parent / first[len(prefix) :]).resolve()
    assert target == (SCHEMAS / BUNDLED_YAML[relative]).resolve()


@pytest.mark.parametrize("relative", sorted(BUNDLED_YAML))
def test_bundled_yaml_passes_its_schema(relative: str) -> None:
    data = _as_json(yaml.safe_load((ROUTES / relative).read_text(encoding="utf-8")))
    assert _errors(BUNDLED_YAML[relative], data) == []


@pytest.mark.parametrize("table", ["findhz-2024-delegates.csv", "conference-300-delegates.csv"])
def test_bundled_delegate_rows_pass_the_delegate_schema(table: str) -> None:
    path = ROUTES / "scenarios" / table
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows
    schema_fields = json.loads((SCHEMAS / "delegates.schema.json").read_text())["properties"]
    lists = {"interests", "languages", "available", "needs"}
    for row in rows:
        record = {
            k: ([p for p in v.split(";") if p] if k in lists else v)
            for k, v in row.items()
            if k in schema_fields
        }
        assert _errors("delegates.schema.json", record) == [], row["id"]


def test_schemas_reject_what_the_loader_rejects() -> None:
    """A few defects of tests/data/bad, seen by the schema as an editor would show them."""
    venues = _as_json(yaml.safe_load((ROUTES / "venues.yaml").read_text(encoding="utf-8")))
    first = venues["venues"][0]
    assert _errors("venues.schema.json", venues) == []

    def broken(**change: Any) -> dict[str, Any]:
        return {"venues": [{**first, **change}]}

    assert _errors("venues.schema.json", broken(id="Lab_B"))
    assert _errors("venues.schema.json", broken(kind="museum"))
    assert _errors("venues.schema.json", broken(hours={"mon": ["9 to 5"]}))
    assert _errors("venues.schema.json", broken(hours={"mon": ["25:00-26:00"]}))
    assert _errors("venues.schema.json", broken(hours={"mon": ["09:00-17:00"]})) == []
    assert _errors("venues.schema.json", broken(hours={"friday": ["09:00-17:00"]}))
    assert _errors("venues.schema.json", broken(visit_min=600))
    assert _errors("venues.schema.json", broken(opening="always"))
    # a name in the catalogue needs its Chinese, although words on pages may lack it
    assert _errors("venues.schema.json", broken(name={"en": "Lab B"}))
    assert _errors("venues.schema.json", broken(name={"en": "Lab B", "zh": ""}))

    scenario = _as_json(
        yaml.safe_load((ROUTES / "scenarios/findhz-2024.yaml").read_text(encoding="utf-8"))
    )
    assert _errors("scenario.schema.json", {**scenario, "buses": 3})
    assert _errors("scenario.schema.json", {**scenario, "day": {"start": "8.30", "end": "18:00"}})
    assert _errors("scenario.schema.json", {k: v for k, v in scenario.items() if k != "base"})

    delegate = {"id": "D/002", "name": "x", "country": "y", "interests": ["ai-route"]}
    assert _errors("delegates.schema.json", delegate)
    assert _errors("delegates.schema.json", {**delegate, "id": "D002", "needs": ["wheelchair"]})
    assert _errors("delegates.schema.json", {**delegate, "id": "D002"}) == []

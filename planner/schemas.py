"""JSON Schemas of the coordinator's files, generated from the models.

The files in ``routes/schemas/`` are written by ``findhz schemas`` and kept in sync by a test;
the YAML files name them in their first line so that editors complete and check fields.
"""

from __future__ import annotations

import json

from pydantic import BaseModel

from findhz.planner.changes import ChangeFile
from findhz.planner.models import Delegate, RouteCatalogue, ScenarioSpec, VenueCatalogue

__all__ = ["SCHEMA_FILES", "render_schemas"]

SCHEMA_FILES: dict[str, tuple[type[BaseModel], str]] = {
    "venues.schema.json": (VenueCatalogue, "findhz venue catalogue (venues.yaml)"),
    "themes.schema.json": (RouteCatalogue, "findhz themed routes (themes.yaml)"),
    "scenario.schema.json": (ScenarioSpec, "findhz scenario (scenarios/<id>.yaml)"),
    "changes.schema.json": (
        ChangeFile,
        "findhz on-the-day changes to a published plan (CHANGES.yaml, for findhz replan)",
    ),
    "delegates.schema.json": (
        Delegate,
        "findhz delegate: one row of the delegates table (CSV or xlsx). In the table, list "
        "fields (interests, languages, available, needs) are ';'-separated text.",
    ),
}


def render_schemas() -> dict[str, str]:
    """File name -> JSON text (sorted keys, trailing newline), the same bytes every time."""
    out = {}
    for name, (model, title) in SCHEMA_FILES.items():
        schema = model.model_json_schema(mode="validation")
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": name,
            **schema,
            "title": title,
        }
        out[name] = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    return out

"""``findhz publish`` and ``findhz plan --base-url``: the site to upload, written through the
same atomic writer as every output (a folder findhz did not write is refused, exit 2)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from findhz.cli import app
from findhz.planner.exports.atomic import MARKER_NAME
from findhz.planner.naming import PAGE_SECRET_FILE, delegate_page_name

VALID = Path(__file__).resolve().parents[1] / "data" / "valid"
URL = "https://visits.example.org/findhz/"


@pytest.fixture
def planned(tmp_path: Path) -> tuple[Path, Path]:
    folder = tmp_path / "scenario"
    shutil.copytree(VALID, folder)
    scenario = folder / "scenario.yaml"
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["plan", str(scenario), "--out", str(out), "--time-limit", "1", "--base-url", URL]
    )
    assert result.exit_code == 0, result.output
    return scenario, out


def test_plan_with_a_base_url_writes_the_site_to_upload(planned: tuple[Path, Path]) -> None:
    _, out = planned
    site = out / "site"
    assert (site / MARKER_NAME).is_file()
    assert (site / "assets" / "leaflet-1.9.3.js").is_file()
    assert not (site / "index.html").exists()
    assert not (site / "workbook.xlsx").exists()
    assert not (site / "qr").exists() and not (site / "sheets").exists()
    # the QR sheets (riders' names) are in the coordinators' folder, with the site's addresses
    sheet = next((out / "sheets").glob("*-qr.html")).read_text(encoding="utf-8")
    delegate = next((site / "delegates").glob("*.html"))
    assert f"{URL}delegates/{delegate.name}" in delegate.read_text(encoding="utf-8")
    # named by a keyed hash under the secret kept beside the plan, outside the site
    secret = (out / PAGE_SECRET_FILE).read_text(encoding="utf-8").strip()
    assert len(secret) == 64 and not (site / PAGE_SECRET_FILE).exists()
    with (VALID / "delegates.csv").open(encoding="utf-8") as rows:
        ids = [row["id"] for row in csv.DictReader(rows)]
    names = sorted(p.stem for p in (site / "delegates").glob("*.html"))
    assert names == sorted(delegate_page_name(i, secret) for i in ids)
    assert any(f"<title>{URL}delegates/{name}.html</title>" in sheet for name in names)


def test_the_page_secret_survives_a_re_plan(planned: tuple[Path, Path]) -> None:
    scenario, out = planned
    secret = (out / PAGE_SECRET_FILE).read_text(encoding="utf-8")
    before = sorted(p.name for p in (out / "site" / "delegates").glob("*.html"))
    command = ["plan", str(scenario), "--out", str(out), "--time-limit", "1"]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    assert (out / PAGE_SECRET_FILE).read_text(encoding="utf-8") == secret
    publish = ["publish", str(out / "plan.json"), str(scenario), "--base-url", URL]
    result = CliRunner().invoke(app, publish)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (out / "site" / "delegates").glob("*.html")) == before


def test_publish_writes_a_site_and_refuses_a_foreign_folder(
    planned: tuple[Path, Path], tmp_path: Path
) -> None:
    scenario, out = planned
    site = tmp_path / "upload"
    result = CliRunner().invoke(
        app,
        ["publish", str(out / "plan.json"), str(scenario), "--base-url", URL, "--out", str(site)],
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.stdout and (site / "assets" / "site.css").is_file()
    foreign = tmp_path / "thesis"
    foreign.mkdir()
    (foreign / "chapter1.docx").write_text("mine", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "publish",
            str(out / "plan.json"),
            str(scenario),
            "--base-url",
            URL,
            "--out",
            str(foreign),
        ],
    )
    assert result.exit_code == 2
    assert sorted(p.name for p in foreign.iterdir()) == ["chapter1.docx"]


@pytest.mark.parametrize("url", ["visits/findhz", "ftp://example.org/", "https://x.org/?a=1", ""])
def test_publish_refuses_a_base_url_that_is_not_absolute(
    planned: tuple[Path, Path], tmp_path: Path, url: str
) -> None:
    scenario, out = planned
    before = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    result = CliRunner().invoke(
        app, ["publish", str(out / "plan.json"), str(scenario), "--base-url", url]
    )
    assert result.exit_code == 2
    assert "absolute http(s) URL" in result.output
    assert before == sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))

"""The web app over HTTP (httpx through Starlette's test client), with the real planner."""

from __future__ import annotations

import io
import json
import re
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import httpx
import pytest
from webhelpers import csrf, mapping_form, movable, post, renamed_xlsx, run_id_of, wait_run

from findhz.planner.bundled import bundled_routes
from findhz.web.app import create_app, hash_token
from findhz.web.events import HAS_PINS
from findhz.web.store import DB_NAME, MIGRATIONS, DataFolderRefused, prepare_data_folder

EVENT = "/events/example-findhz-2024"
# The bundled default scenario's delegates (its table's rows).
DEFAULT_DELEGATES = (
    len(
        (bundled_routes() / "scenarios" / "findhz-2024-delegates.csv")
        .read_text("utf-8")
        .splitlines()
    )
    - 1
)


def test_data_folder_findhz_did_not_make_is_refused(tmp_path: Path) -> None:
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.docx").write_text("mine", encoding="utf-8")
    with pytest.raises(DataFolderRefused, match="did not write"):
        prepare_data_folder(tmp_path / "mine")
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / DB_NAME).write_bytes(b"the coordinator's database")
    with pytest.raises(DataFolderRefused):
        prepare_data_folder(tmp_path / "db")
    assert (tmp_path / "db" / DB_NAME).read_bytes() == b"the coordinator's database"


def test_serve_refuses_a_foreign_folder_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("keep", encoding="utf-8")
    result = subprocess.run(
        [str(Path(sys.executable).parent / "findhz"), "serve", "--data", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "did not write" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_schema_migrations_run_once_from_the_first_version(data_dir: Path) -> None:
    create_app(data_dir)
    create_app(data_dir)  # a second start changes nothing
    with sqlite3.connect(data_dir / DB_NAME) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        events = [r[0] for r in con.execute("SELECT id FROM events ORDER BY id")]
    assert events == ["example-conference-300", "example-findhz-2024"]


def test_every_form_needs_its_csrf_token(client: httpx.Client) -> None:
    response = client.post("/events", data={"name": "x", "example": "findhz-2024"})
    assert response.status_code == 403
    response = client.post(
        "/events", data={"name": "x", "example": "findhz-2024", "csrf": "forged"}
    )
    assert response.status_code == 403
    assert (
        post(client, "/events", {"name": "FIND HZ 2025", "example": "findhz-2024"}).status_code
        == 200
    )
    assert "FIND HZ 2025" in client.get("/").text


def _zip(client: httpx.Client, url: str) -> zipfile.ZipFile:
    response = client.get(url)
    assert response.status_code == 200, response.text[:500]
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_plan_review_publish_replan_and_zip(client: httpx.Client, data_dir: Path) -> None:
    started = post(
        client,
        f"{EVENT}/plan",
        {"time_limit": "1", "seed": "0", "who": "Ann"},
        follow_redirects=False,
    )
    assert started.status_code == 303
    run = run_id_of(started)
    assert "<progress" in client.get(f"/runs/{run}").text
    state = wait_run(client, run)
    assert state["status"] == "done", state
    assert state["version"] == 1
    page = client.get(f"{EVENT}/versions/1")
    assert page.status_code == 200
    folder = data_dir / "events" / "example-findhz-2024" / "versions" / f"run-{run}"
    plan = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    first_date = min(g["date"] for g in plan["groups"])
    assert f'id="arrivals-{first_date}"' in page.text and 'class="bar"' in page.text
    assert "maps/overview.html" in page.text
    assert "Made " in page.text and "by Ann" in page.text
    # money and satisfaction: the plan's own figures, shown on the review page
    metrics = plan["metrics"]
    assert f"total {metrics['cost_cny']:,}" in page.text
    assert f"worst-off delegate {metrics['satisfaction_worst']}, total " in page.text
    assert f"total {metrics['satisfaction_total']} (100" in page.text
    assert client.get(f"{EVENT}/versions/1/site/maps/overview.html").status_code == 200
    for sneaky in ("../../../findhz-serve.sqlite3", "..%2F..%2F" + DB_NAME, "/etc/passwd"):
        assert client.get(f"{EVENT}/versions/1/site/{sneaky}").status_code == 404
    assert client.get(f"{EVENT}/versions/1/site.zip").status_code == 409  # publish first
    refused = post(client, f"{EVENT}/versions/1/publish", {"base_url": "javascript:alert(1)"})
    assert refused.status_code == 400
    base = "https://visits.example.org/findhz/"
    assert post(client, f"{EVENT}/versions/1/publish", {"base_url": base}).status_code == 200
    assert "Published" in client.get(f"{EVENT}/versions/1").text
    names = _zip(client, f"{EVENT}/versions/1/site.zip").namelist()
    prefix = "example-findhz-2024-v1/site/"
    assert prefix + "index.html" not in names and not any(n.endswith("plan.json") for n in names)
    # the QR sheets list riders' names: beside the site, to print, never inside it
    assert not any(n.startswith(prefix + "qr/") for n in names)
    assert any(n.startswith("example-findhz-2024-v1/qr-sheets/") for n in names)
    assert any(n.startswith(prefix + "assets/") for n in names)
    pages_v1 = sorted(n for n in names if n.startswith(prefix + "delegates/"))
    assert pages_v1

    # a published version: pin a delegate to another day, and the re-plan repairs it
    mover, *target = movable(data_dir, "example-findhz-2024", plan)
    event_page = client.get(EVENT).text
    assert "Re-plan version 1 (minimal changes)" in event_page
    pinned = post(
        client, f"{EVENT}/adjust/pin", {"delegate": mover, "route": target[0], "date": target[1]}
    )
    assert pinned.status_code == 200, pinned.text[:1000]
    locked = None
    if HAS_PINS:  # lock a group the pin does not touch: re-planning keeps it as published
        locked = next(
            g
            for g in plan["groups"]
            if mover not in g["delegates"] and (g["route"], g["date"]) != tuple(target)
        )
        assert post(client, f"{EVENT}/adjust/lock", {"group": locked["id"]}).status_code == 200
        assert f"group <code>{locked['id']}</code> locked" in client.get(EVENT).text
    else:
        assert 'id="lock-form"' not in event_page
    again = post(client, f"{EVENT}/plan", {"time_limit": "1"}, follow_redirects=False)
    state = wait_run(client, run_id_of(again))
    assert state["status"] == "done", state
    assert state["version"] == 2
    folder2 = data_dir / "events" / "example-findhz-2024" / "versions" / f"run-{state['id']}"
    report = json.loads((folder2 / "changes.json").read_text(encoding="utf-8"))
    assert mover in {d["delegate"] for d in report["delegates"]}
    assert (folder2 / "notices" / "delegates" / f"{mover}.txt").is_file()
    plan2 = json.loads((folder2 / "plan.json").read_text(encoding="utf-8"))
    assert plan2["metrics"]["version"] == 2
    untouched = [g for g in plan["groups"] if mover not in g["delegates"]]
    kept = {g["id"]: g for g in plan2["groups"]}
    # minimal disruption: the groups the pin did not touch keep their stops
    assert any(kept.get(g["id"], {}).get("stops") == g["stops"] for g in untouched)
    if locked is not None:
        assert kept[locked["id"]] == locked
    review = client.get(f"{EVENT}/versions/2").text
    assert 'id="change"' in review and "Who must be told" in review
    mover_row = next(d for d in report["delegates"] if d["delegate"] == mover)
    assert f"<tr><td>{mover}</td><td>{mover_row['status']}</td>" in review  # changes.json's
    assert post(client, f"{EVENT}/versions/2/publish", {"base_url": base}).status_code == 200
    names2 = _zip(client, f"{EVENT}/versions/2/site.zip").namelist()
    assert f"example-findhz-2024-v2/notices/delegates/{mover}.txt" in names2
    assert "example-findhz-2024-v2/changes.json" in names2
    # the page secret is the event's: every published address stays the same
    pages_v2 = {n.replace("-v2/", "-v1/") for n in names2 if "/site/delegates/" in n}
    assert len(set(pages_v1) & pages_v2) >= len(pages_v1) - 1  # all but perhaps the mover


def test_one_plan_per_event_and_cancel(client: httpx.Client) -> None:
    event = "/events/example-conference-300"
    first = post(client, f"{event}/plan", {"time_limit": "60"}, follow_redirects=False)
    assert first.status_code == 303
    second = post(client, f"{event}/plan", {"time_limit": "60"})
    assert second.status_code == 409
    assert "already running" in second.text
    run = run_id_of(first)
    assert post(client, f"/runs/{run}/cancel").status_code == 200
    state = client.get(f"/runs/{run}.json").json()
    assert state["status"] == "cancelled"
    assert state["version"] is None
    assert "No version yet" in client.get(event).text


def test_import_renamed_xlsx_with_a_remembered_mapping(client: httpx.Client) -> None:
    upload = post(
        client, f"{EVENT}/upload", files={"file": ("registrations export.xlsx", renamed_xlsx())}
    )
    assert upload.status_code == 200
    assert "Routes wanted" in upload.text  # the mapping form, with their headers
    applied = post(client, upload.url.path, mapping_form())
    assert applied.status_code == 200, applied.text[:2000]
    assert f'id="delegate-count">{DEFAULT_DELEGATES}' in applied.text
    # a second upload of the same export: the mapping is remembered
    again = post(client, f"{EVENT}/upload", files={"file": ("again.xlsx", renamed_xlsx())})
    assert '<option value="Routes wanted" selected>' in again.text


def test_import_problems_are_shown_at_their_row_and_field(client: httpx.Client) -> None:
    text = (
        "id,name,country,interests\n"
        "D1,Ann Example,Chile,green-energy\n"
        "D2,Bo Example,Peru,no-such-route\n"
    )
    upload = post(client, f"{EVENT}/upload", files={"file": ("bad.csv", text.encode())})
    applied = post(
        client,
        upload.url.path,
        {f"map-{c}": c for c in ("id", "name", "country", "interests")},
    )
    # a word that is no route of ours: confirmed first (kept as written), then refused
    assert applied.status_code == 200 and 'id="confirm"' in applied.text
    columns = {f"map-{c}": c for c in ("id", "name", "country", "interests")}
    keep = {"valword-interests-0": "no-such-route", "val-interests-0": ""}
    applied = post(client, upload.url.path, {**columns, **keep})
    assert applied.status_code == 422
    assert "<b>line 3</b>" in applied.text
    assert "no-such-route" in applied.text
    assert 'name="fix-3-3" value="no-such-route"' in applied.text  # the cell, to correct here
    # nothing half-imported
    assert f'id="delegate-count">{DEFAULT_DELEGATES}' in client.get(EVENT).text
    # corrected in the page: checked again and imported
    fixed = post(client, upload.url.path, {**columns, **keep, "fix-3-3": "smart-iot"})
    assert fixed.status_code == 200, fixed.text[:2000]
    assert 'id="delegate-count">2' in fixed.text


def test_free_text_interests_and_needs_map_to_ours(client: httpx.Client) -> None:
    text = (
        "Reg,Name,Country,Wanted,Needs\n"
        'R1,Ann Example,Chile,"Green energy, Humanoid robots",Wheelchair\n'
        "R2,Bo Example,Peru,人工智能、general-ai,清真\n"
        "R3,Cy Example,Kenya,Underwater basket weaving,\n"
    )
    upload = post(client, f"{EVENT}/upload", files={"file": ("free.csv", text.encode())})
    columns = {"map-id": "Reg", "map-name": "Name", "map-country": "Country"}
    columns |= {"map-interests": "Wanted", "map-needs": "Needs"}
    page = post(client, upload.url.path, columns)
    assert page.status_code == 200 and 'id="confirm"' in page.text
    suggested = dict(re.findall(r'name="valword-(\w+-\d+)" value="([^"]*)"', page.text))
    chosen = dict(
        re.findall(
            r'name="val-(\w+-\d+)"[^>]*>(?:(?!</select>).)*?<option value="([^"]*)" selected',
            page.text,
            re.S,
        )
    )
    ours = {suggested[k]: chosen.get(k, "") for k in suggested}
    assert ours == {
        "Green energy": "green-energy",
        "Humanoid robots": "humanoid-robots",
        "人工智能": "general-ai",
        "Underwater basket weaving": "",
        "Wheelchair": "step-free",
        "清真": "halal",
    }
    form = {**columns}
    for key, word in suggested.items():
        form[f"valword-{key}"] = word
        form[f"val-{key}"] = ours[word] or "-"  # the word with no suggestion: left out
    applied = post(client, upload.url.path, form)
    # R3 has no interest left once the coordinator leaves the word out: named at its line
    assert applied.status_code == 422 and "<b>line 4</b>" in applied.text
    applied = post(client, upload.url.path, {**form, "fix-4-3": "Green energy"})
    assert applied.status_code == 200, applied.text[:2000]
    assert 'id="delegate-count">3' in applied.text
    # the words are remembered for the event: a second upload asks for nothing new
    again = post(client, f"{EVENT}/upload", files={"file": ("again.csv", text.encode())})
    assert 'id="confirm"' not in post(client, again.url.path, columns).text


def test_gb18030_csv_and_hostile_names_and_cells(client: httpx.Client, data_dir: Path) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    text = f'编号,姓名,国家,兴趣\nD1,"{hostile}",中国,green-energy\nD2,王小明,中国,general-ai\n'
    name = "../../<script>alert(1)</script>.csv"
    upload = post(client, f"{EVENT}/upload", files={"file": (name, text.encode("gb18030"))})
    assert upload.status_code == 200
    assert "<script>alert(1)</script>" not in upload.text
    assert "&lt;script&gt;" in upload.text
    assert hostile not in upload.text
    stored = sorted(
        p.name for p in (data_dir / "events" / "example-findhz-2024" / "uploads").iterdir()
    )
    assert stored == ["1.csv"]
    form = {"map-id": "编号", "map-name": "姓名", "map-country": "国家", "map-interests": "兴趣"}
    applied = post(client, upload.url.path, form)
    assert applied.status_code == 200, applied.text[:1500]
    assert 'id="delegate-count">2' in applied.text
    assert hostile not in applied.text


def test_a_2000_row_upload(client: httpx.Client) -> None:
    routes = ["green-energy", "general-ai", "smart-iot", "humanoid-robots"]
    lines = ["Reg,Name,Country,Wanted"]
    lines += [f"R{i:04d},Synthetic Person {i},Chile,{routes[i % 4]}" for i in range(2000)]
    upload = post(client, f"{EVENT}/upload", files={"file": ("big.csv", "\n".join(lines).encode())})
    assert "2000 rows" in upload.text
    applied = post(
        client,
        upload.url.path,
        {"map-id": "Reg", "map-name": "Name", "map-country": "Country", "map-interests": "Wanted"},
    )
    assert applied.status_code == 200
    assert 'id="delegate-count">2000' in applied.text


def test_uploads_too_large_or_not_tables_are_refused(client: httpx.Client) -> None:
    big = post(client, f"{EVENT}/upload", files={"file": ("big.csv", b"a" * (6 * 1024 * 1024))})
    assert big.status_code == 413
    odd = post(client, f"{EVENT}/upload", files={"file": ("x.exe", b"MZ\x90\x00")})
    assert odd.status_code == 400
    assert "csv" in odd.text


def test_pin_and_close_are_checked_edits(client: httpx.Client, data_dir: Path) -> None:
    from findhz.web.events import load_event

    scenario = load_event(data_dir / "events" / "example-findhz-2024")
    delegate = scenario.delegates[0]
    route = delegate.interests[0]
    day = scenario.delegate_dates(delegate)[0].isoformat()
    pinned = post(
        client, f"{EVENT}/adjust/pin", {"delegate": delegate.id, "route": route, "date": day}
    )
    assert pinned.status_code == 200, pinned.text[-3000:]
    assert "pin" in pinned.text and delegate.id in pinned.text
    wrong = post(
        client,
        f"{EVENT}/adjust/pin",
        {"delegate": delegate.id, "route": "no-such-route", "date": day},
    )
    assert wrong.status_code == 422
    venue = next(v for v in scenario.venues if v != scenario.base.id)
    closed = post(client, f"{EVENT}/adjust/close", {"venue": venue, "date": day})
    assert closed.status_code == 200
    assert f"{venue} {day}: closed" in closed.text
    unknown = post(client, f"{EVENT}/adjust/close", {"venue": "atlantis", "date": day})
    assert unknown.status_code == 422


def test_a_token_guards_every_page_when_set(data_dir: Path) -> None:
    from webhelpers import served

    with (
        served(data_dir, hash_token("s3cret-token")) as url,
        httpx.Client(base_url=url, follow_redirects=True) as client,
    ):
        assert client.get("/", follow_redirects=False).status_code == 303
        page = client.get("/")
        assert "Access token" in page.text
        denied = client.post("/login", data={"csrf": csrf(client), "token": "guess"})
        assert denied.status_code == 403
        allowed = client.post("/login", data={"csrf": csrf(client), "token": "s3cret-token"})
        assert allowed.status_code == 200
        assert "Events" in allowed.text

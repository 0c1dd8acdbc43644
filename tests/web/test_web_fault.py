"""A server killed mid-plan and started again: the run is marked failed, earlier versions stay."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import httpx
import pytest
from webhelpers import free_port, post, run_id_of, wait_run

from findhz.web.store import DB_NAME

pytestmark = pytest.mark.slow

EVENT = "/events/example-findhz-2024"


@contextmanager
def findhz_serve(data: Path) -> Iterator[tuple[subprocess.Popen[bytes], httpx.Client]]:
    """``findhz serve`` as its own process, and a client of it."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "findhz"), "serve", "--data", str(data)]
    server = subprocess.Popen(
        [*command, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", follow_redirects=True, timeout=120
        ) as client:
            deadline = time.monotonic() + 60
            while True:  # a safety limit for the start, not a timing assertion
                try:
                    client.get("/")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise
                    time.sleep(0.2)
            yield server, client
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(30)


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_a_server_killed_mid_plan_fails_the_run_and_keeps_earlier_versions(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    with findhz_serve(data) as (server, client):
        first = wait_run(
            client,
            run_id_of(post(client, f"{EVENT}/plan", {"time_limit": "1"}, follow_redirects=False)),
        )
        assert first["status"] == "done" and first["version"] == 1
        version_dir = data / "events" / "example-findhz-2024" / "versions" / f"run-{first['id']}"
        before = _digests(version_dir)
        long = run_id_of(
            post(client, f"{EVENT}/plan", {"time_limit": "120"}, follow_redirects=False)
        )
        deadline = time.monotonic() + 120
        while client.get(f"/runs/{long}.json").json()["progress"] < 0.1:
            assert time.monotonic() < deadline, "the run never started its search"
            time.sleep(0.3)
        with closing(sqlite3.connect(data / DB_NAME)) as con:
            worker = int(con.execute("SELECT pid FROM runs WHERE id = ?", (long,)).fetchone()[0])
        os.kill(server.pid, signal.SIGKILL)
        server.wait(30)
    # the worker notices its server is gone and stops by itself
    deadline = time.monotonic() + 60
    while _alive(worker):
        assert time.monotonic() < deadline, "the planning process outlived its server"
        time.sleep(0.5)
    with findhz_serve(data) as (_server, client):
        state = client.get(f"/runs/{long}.json").json()
        assert state["status"] == "failed"
        assert "earlier versions are intact" in state["message"]
        assert state["version"] is None
        assert _digests(version_dir) == before
        page = client.get(f"{EVENT}/versions/1")
        assert page.status_code == 200
        assert "version 2" not in client.get(EVENT).text
        # and the event plans again
        again = wait_run(
            client,
            run_id_of(post(client, f"{EVENT}/plan", {"time_limit": "1"}, follow_redirects=False)),
        )
        assert again["status"] == "done" and again["version"] == 2


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (ended, not yet reaped by anyone) counts as ended
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.is_file() and stat.read_text().split(") ")[-1].startswith("Z"))

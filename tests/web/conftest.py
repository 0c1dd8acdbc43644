"""Fixtures of the web app tests: the app served on 127.0.0.1 on a free port, and a client."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn

from findhz.web.app import create_app
from findhz.web.store import prepare_data_folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def served(folder: Path, token_hash: str | None = None) -> Iterator[str]:
    """Run the app with uvicorn in a thread; yield its base URL; stop it at the end."""
    port = free_port()
    config = uvicorn.Config(
        create_app(folder, token_hash), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return prepare_data_folder(tmp_path / "data")


@pytest.fixture
def client(data_dir: Path) -> Iterator[httpx.Client]:
    with (
        served(data_dir) as url,
        httpx.Client(base_url=url, follow_redirects=True, timeout=120) as http,
    ):
        http.get("/")  # sets the CSRF cookie
        yield http


@pytest.fixture
def serve_app() -> Callable[..., object]:
    return served

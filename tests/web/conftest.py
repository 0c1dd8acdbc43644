"""Fixtures of the web app tests: the app served on 127.0.0.1 on a free port, and a client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from webhelpers import served

from findhz.web.store import prepare_data_folder


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

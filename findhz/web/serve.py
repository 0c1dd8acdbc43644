"""``findhz serve``: check the data folder, settle the access token, run the app with uvicorn."""

from __future__ import annotations

import ipaddress
import secrets
from pathlib import Path

from findhz.web.store import DataFolderRefused, Store, prepare_data_folder

__all__ = ["is_loopback", "prepare", "serve"]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def prepare(folder: Path, host: str) -> tuple[Path, str | None, str | None]:
    """The data folder, the token's hash (None on loopback) and a new token to show once."""
    from findhz.web.app import TOKEN_SETTING, hash_token

    folder = prepare_data_folder(folder)
    store = Store(folder)
    store.migrate()
    if is_loopback(host):
        return folder, None, None
    stored = store.setting(TOKEN_SETTING)
    if stored:
        return folder, stored, None
    token = secrets.token_urlsafe(24)
    store.set_setting(TOKEN_SETTING, hash_token(token))
    stored = store.setting(TOKEN_SETTING)
    if not stored:
        raise DataFolderRefused(f"cannot keep an access token in {folder}; not starting")
    return folder, stored, token


def serve(folder: Path, host: str, port: int, token_hash: str | None) -> None:
    import uvicorn

    from findhz.web.app import create_app

    app = create_app(folder, token_hash)
    uvicorn.run(app, host=host, port=port, log_level="warning")

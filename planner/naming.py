"""Ids that become file names: safe on every file system, and never two pages with one name.

Delegate ids name their pages (``delegates/<id>.html``), venue ids the hosts' pages, group ids
and route-days the maps. A name is safe when it is made of letters, digits, ``.``, ``_`` and
``-``, starts with a letter or digit, is not a device name that Windows reserves (``CON``,
``NUL``, ``COM1``...), and differs from every other name of its folder in more than letter
case (macOS and Windows do not tell ``D001`` from ``d001``). The loader, the verifier and the
pages all use these rules, so a plan that verifies can always be written.

Published delegate pages are not named by id: anyone who saw ``D001`` could otherwise guess
``D002``. :func:`delegate_page_name` names them by a keyed hash (HMAC-SHA-256 of the id under a
secret the coordinator keeps in ``page-secret.txt`` beside the plan), so a page's address can
only be learnt from its QR code or from the coordinator. The same secret gives the same names
on every run; a new secret moves every page (the way to withdraw all published addresses).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable

from findhz.planner.models import Plan

__all__ = [
    "PAGE_SECRET_FILE",
    "case_clashes",
    "delegate_page_name",
    "file_name_problem",
    "map_page_names",
    "new_page_secret",
]

PAGE_SECRET_FILE = "page-secret.txt"
_NAME_HEX_DIGITS = 24  # 96 bits: not guessable, short enough for a QR code

_FILE_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
_WINDOWS_DEVICES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{kind}{n}" for kind in ("com", "lpt") for n in range(10)]
)


def file_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a file on every system, or None when it can."""
    if not _FILE_SAFE.match(name) or name.endswith("."):
        return (
            "cannot be a file name (use letters, digits, '.', '_' and '-', starting with a "
            "letter or digit, at most 121 characters)"
        )
    if name.split(".")[0].lower() in _WINDOWS_DEVICES:
        return "is a device name that Windows reserves, so its page could not be opened there"
    return None


def case_clashes(names: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs ``(first, later)`` of different names that are equal apart from letter case."""
    first: dict[str, str] = {}
    out = []
    for name in names:
        key = name.casefold()
        if key in first and first[key] != name:
            out.append((first[key], name))
        first.setdefault(key, name)
    return out


def map_page_names(plan: Plan) -> list[tuple[str, str]]:
    """The names of the pages in ``maps/``, each with what it shows, in plan order."""
    names = [("overview", "the overview")]
    seen: set[str] = set()
    for group in plan.groups:
        route_day = f"{group.date.isoformat()}-{group.route}"
        if route_day not in seen:
            seen.add(route_day)
            names.append((route_day, f"route {group.route} on {group.date}"))
    names += [(group.id, f"group {group.id}") for group in plan.groups]
    return names


def new_page_secret() -> str:
    """A fresh secret for naming published delegate pages (64 hex digits, 256 bits)."""
    return secrets.token_hex(32)


def delegate_page_name(delegate_id: str, secret: str | None) -> str:
    """The file stem of a delegate's page: the id itself, or with a secret its keyed hash."""
    if secret is None:
        return delegate_id
    digest = hmac.new(secret.encode("utf-8"), delegate_id.encode("utf-8"), hashlib.sha256)
    return digest.hexdigest()[:_NAME_HEX_DIGITS]

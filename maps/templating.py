"""The one jinja2 environment of the pages: templates in ``maps/templates``, autoescaping on."""

from __future__ import annotations

import functools
import re

from jinja2 import Environment, PackageLoader

__all__ = ["environment"]


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("findhz.maps", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["telephone"] = _telephone
    return env


def _telephone(phone: object) -> str:
    """The dialable part of a phone number, for a ``tel:`` link."""
    return re.sub(r"[^0-9+]", "", str(phone))

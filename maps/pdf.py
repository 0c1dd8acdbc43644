"""PDF copies of the print-ready sheets, with WeasyPrint (the one module that imports it).

WeasyPrint is optional (``pip install 'findhz[pdf]'``): :func:`available` says whether it
is installed, and :func:`html_to_pdf` turns one page's HTML into PDF bytes. The same HTML
gives the same bytes (WeasyPrint writes no creation date unless the page names one).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["available", "html_to_pdf"]


def available() -> bool:
    """Whether WeasyPrint can be imported here."""
    return importlib.util.find_spec("weasyprint") is not None


def html_to_pdf(html: str, base: Path) -> bytes:
    """The PDF of one HTML page; relative links resolve against the folder ``base``."""
    import weasyprint

    pdf: bytes = weasyprint.HTML(string=html, base_url=str(base)).write_pdf()
    return pdf

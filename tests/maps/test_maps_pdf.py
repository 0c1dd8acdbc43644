"""PDF copies of the guide's and driver's sheets (WeasyPrint, `--pdf`): one A4 page each,
Chinese set in Noto CJK, the same bytes for the same plan; a clear line without WeasyPrint."""

from __future__ import annotations

import re
import zlib
from pathlib import Path

import pytest

from findhz.cli import main
from findhz.maps import render_site
from findhz.planner.models import Plan, Scenario


def _inflated(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (object streams included) inflated."""
    parts = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.DOTALL):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(parts)


def test_sheets_are_also_written_as_one_page_pdfs(
    tmp_path: Path, sample_plan: Plan, sample_scenario: Scenario
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    render_site(sample_plan, sample_scenario, first, pdf=True)
    render_site(sample_plan, sample_scenario, second, pdf=True)
    pdfs = sorted((first / "sheets").glob("*.pdf"))
    assert len(pdfs) == 2 * len(sample_plan.groups)
    for pdf in pdfs:
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF-")
        assert len(re.findall(rb"/Type\s*/Page\b", _inflated(data))) == 1, pdf.name  # one page
        assert (pdf.with_suffix(".html")).is_file()
        assert data == (second / "sheets" / pdf.name).read_bytes()  # reproducible
    driver = _inflated(next(p for p in pdfs if p.name.endswith("-driver.pdf")).read_bytes())
    assert b"NotoSansCJK" in driver or b"NotoSerifCJK" in driver  # the Chinese was set


def test_without_the_flag_no_pdf_is_written(
    tmp_path: Path, sample_plan: Plan, sample_scenario: Scenario
) -> None:
    render_site(sample_plan, sample_scenario, tmp_path / "out")
    assert not list((tmp_path / "out" / "sheets").glob("*.pdf"))


def test_asking_for_pdfs_without_weasyprint_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setattr("findhz.maps.pdf.available", lambda: False)
    monkeypatch.setattr("sys.argv", ["findhz", "render", str(tmp_path / "plan.json"), "--pdf"])
    with pytest.raises(SystemExit) as stop:
        main()
    assert stop.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1
    assert "pip install 'findhz[pdf]'" in lines[0]

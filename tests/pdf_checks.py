"""Checks of generated PDFs with poppler's command-line tools (pdffonts, pdftotext, pdfinfo): which fonts are
embedded, what text is on which page. poppler-utils is a test dependency (.ci/run installs it): without it the
PDF tests fail with the command to install it, they never skip."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

#: The faces static/fonts/ ships, as pdffonts prints them after the subset tag: WeasyPrint names an embedded
#: font after its family and style ("Liberation-Serif-Bold"); the PostScript names are accepted too.
SHIPPED_FONTS = frozenset(
    {"Liberation-Serif", "Liberation-Serif-Bold", "Liberation-Serif-Italic", "Liberation-Serif-Bold-Italic"}
    | {"LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-Italic", "LiberationSerif-BoldItalic"}
)
MOTTO = "Độc lập - Tự do - Hạnh phúc"
COUNTRY = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is missing: the PDF tests read the generated documents with poppler's tools. "
            "Install them with `apt-get install poppler-utils` (.ci/run does it on a fresh machine)."
        )
    return path


def _run(tool: str, content: bytes, *args: str) -> str:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "document.pdf"
        path.write_bytes(content)
        result = subprocess.run(
            [_tool(tool), *args, str(path), *(["-"] if tool == "pdftotext" else [])],
            capture_output=True,
            check=True,
            timeout=60,
        )
    return result.stdout.decode("utf-8")


def fonts(content: bytes) -> list[dict]:
    """pdffonts' table: one {"name", "type", "emb"} per font (the subset tag "ABCDEF+" removed)."""
    lines = _run("pdffonts", content).splitlines()
    rule = next(index for index, line in enumerate(lines) if line.startswith("---"))
    columns = [match.span() for match in re.finditer(r"-+", lines[rule])]
    rows = []
    for line in lines[rule + 1 :]:
        if not line.strip():
            continue
        cells = [line[start:end].strip() for start, end in columns[:-1]] + [line[columns[-1][0] :].strip()]
        name, type_, _encoding, emb = cells[0], cells[1], cells[2], cells[3]
        rows.append({"name": re.sub(r"^[A-Z]{6}\+", "", name), "type": type_, "emb": emb})
    return rows


def assert_only_shipped_fonts(content: bytes) -> None:
    """Every font of the PDF is one of the shipped Liberation Serif faces, embedded: no fallback font."""
    found = fonts(content)
    assert found, "the PDF has no font at all"
    foreign = sorted({row["name"] for row in found} - SHIPPED_FONTS)
    assert not foreign, f"fonts other than the shipped Liberation Serif faces are in the PDF: {foreign}"
    not_embedded = sorted(row["name"] for row in found if row["emb"] != "yes")
    assert not not_embedded, f"fonts not embedded in the PDF: {not_embedded}"


def text(content: bytes, page: int | None = None, *, layout: bool = True) -> str:
    """The text of the PDF (or of one page, counted from 1): laid out as on the page (pdftotext -layout, the
    columns side by side: what is on one line of the page is on one line here), or block by block."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return _run("pdftotext", content, *(["-layout"] if layout else []), "-enc", "UTF-8", *pages)


def words(content: bytes, page: int | None = None) -> str:
    """The text block by block (a column's lines stay together), on one line with single spaces."""
    return " ".join(text(content, page, layout=False).split())


def page_count(content: bytes) -> int:
    info = _run("pdfinfo", content)
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def top_lines(content: bytes, page: int, count: int = 3) -> list[str]:
    """The first non-empty lines of a page (where Decree 30 puts the page number)."""
    return [line.strip() for line in text(content, page).splitlines() if line.strip()][:count]


def assert_decree30_header(content: bytes, date_text: str) -> None:
    """The national title and the motto each on one line, the place and date as Decree 30 writes them."""
    first = text(content, 1)
    assert any(COUNTRY in line for line in first.splitlines()), first[:800]
    assert any(MOTTO in line for line in first.splitlines()), first[:800]
    assert date_text in " ".join(first.split()), first[:800]

"""The one PDF renderer: WeasyPrint on a Django template that extends templates/workflows/pdf/_decree30.html,
the layout of Nghị định 30/2020/NĐ-CP (Phụ lục I) for administrative documents.

- Fonts: the project ships Liberation Serif 2 (Times-metric, complete for Vietnamese, SIL OFL 1.1) in
  static/fonts/ and the layout loads it through @font-face, so a PDF looks the same on every server, whatever
  fonts the machine has (tests run `pdffonts` on each generated document).
- Resources: the URL fetcher serves only those font files. Every other URL (http, https, data, file:// outside
  static/fonts) is refused, so a value typed into a document can never make the server fetch anything.
- Language: official documents are in Vietnamese whatever language the reader's interface uses.
- The header (cơ quan ban hành, quốc hiệu, tiêu ngữ, số, địa danh and date) comes from `decree30_header()`,
  with the issuing body and place from settings (ISSUING_BODY, ISSUING_PLACE), never from a template.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.template.loader import render_to_string
from django.utils import translation

#: The shipped faces (file under static/fonts/, CSS font-weight, CSS font-style).
FONT_FAMILY = "Liberation Serif"
FONT_FACES = (
    ("LiberationSerif-Regular.ttf", "normal", "normal"),
    ("LiberationSerif-Bold.ttf", "bold", "normal"),
    ("LiberationSerif-Italic.ttf", "normal", "italic"),
    ("LiberationSerif-BoldItalic.ttf", "bold", "italic"),
)
#: What the fetcher serves from the fonts directory.
SERVED_SUFFIXES = frozenset({".ttf", ".otf", ".woff", ".woff2", ".css"})


class RefusedURL(ValueError):
    """A PDF template asked for a resource the renderer does not serve."""


def fonts_dir() -> Path:
    """The project's static/fonts directory, found the way collectstatic finds it."""
    found = finders.find(f"fonts/{FONT_FACES[0][0]}")
    if not found:
        raise ImproperlyConfigured(
            f"static/fonts/{FONT_FACES[0][0]} is missing: the PDF documents need the shipped fonts."
        )
    return Path(found).resolve().parent


def font_faces() -> list[dict]:
    """The @font-face rules of the layout: one per shipped face, as file:// URLs the fetcher serves."""
    directory = fonts_dir()
    return [
        {"family": FONT_FAMILY, "url": (directory / name).as_uri(), "weight": weight, "style": style}
        for name, weight, style in FONT_FACES
    ]


def _allowed_path(url: str) -> Path:
    """The local file a URL names, if it is one of the shipped font files; RefusedURL otherwise."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise RefusedURL(f"PDF resources are served from static/fonts only, not {url[:200]!r}")
    path = Path(url2pathname(unquote(parts.path))).resolve()
    directory = fonts_dir()
    if not path.is_relative_to(directory) or path.suffix.lower() not in SERVED_SUFFIXES or not path.is_file():
        raise RefusedURL(f"PDF resources are served from static/fonts only, not {url[:200]!r}")
    return path


def url_fetcher():
    """A WeasyPrint URL fetcher that serves the shipped fonts and refuses every other URL (WeasyPrint is
    imported here, not at module level: it is slow to import and only the PDF views need it)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFontFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            path = _allowed_path(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if path.suffix.lower() == ".ttf":
                content_type = "font/ttf"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    return StaticFontFetcher()


def render_pdf(template_name: str, context: dict, *, request=None) -> bytes:
    """The PDF of `template_name` (a template extending workflows/pdf/_decree30.html), in Vietnamese."""
    from weasyprint import HTML

    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(template_name, {"pdf_fonts": font_faces(), **context}, request=request)
        return HTML(string=html, base_url=fonts_dir().as_uri() + "/", url_fetcher=url_fetcher()).write_pdf()


# -- The Decree 30 header ----------------------------------------------------------------------------------


#: The blank left for the number of a document not yet numbered (it is written in at registration).
BLANK_NUMBER = "\u00a0" * 10


def decree30_date(day: date) -> str:
    """The date as Decree 30/2020 Phụ lục I writes it: days below 10 and the months January and February
    with a leading zero ("ngày 05 tháng 3 năm 2023", "ngày 15 tháng 02 năm 2024", "ngày 20 tháng 12 …")."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


@dataclass(frozen=True)
class IssuingBody:
    """The people's committee whose documents the deployment issues, in normal case as settings hold it:
    `superior` is the kind of body ("Ủy ban nhân dân"), `name` the locality ("thành phố Cần Thơ")."""

    superior: str
    name: str

    @property
    def full_name(self) -> str:
        """For sentences: "Ủy ban nhân dân thành phố Cần Thơ"."""
        return " ".join(part for part in (self.superior, self.name) if part)

    @property
    def header_lines(self) -> list[str]:
        """For the header, upper case, one line each: ["ỦY BAN NHÂN DÂN", "THÀNH PHỐ CẦN THƠ"]."""
        return [part.upper() for part in (self.superior, self.name) if part]


def issuing_body() -> IssuingBody:
    body = getattr(settings, "ISSUING_BODY", {}) or {}
    return IssuingBody(superior=body.get("superior", "").strip(), name=body.get("name", "").strip())


def issuing_place() -> str:
    return getattr(settings, "ISSUING_PLACE", "").strip()


def decree30_header(
    *,
    day: date,
    number: str = "",
    blank_number: str = "",
    issuer: str = "",
    place: str = "",
) -> dict:
    """The context of templates/workflows/pdf/_header.html.

    Issued by the people's committee itself (`issuer` empty): its name in bold on two lines. Issued by a body
    under it (a council): the committee's name, regular, as the superior body (cơ quan chủ quản), and the
    issuer's name in bold. The number line reads "Số: <number>", or, before the document is numbered,
    "Số:" with a blank and `blank_number` ("/QĐ-UBND").
    `place` overrides settings.ISSUING_PLACE (a council's rule may name its own)."""
    body = issuing_body()
    if issuer:
        superior_lines, issuer_lines = body.header_lines, [issuer.upper()]
    else:
        superior_lines, issuer_lines = [], body.header_lines
    return {
        "superior_lines": superior_lines,
        "issuer_lines": issuer_lines,
        "number_line": f"Số: {number}" if number else f"Số: {BLANK_NUMBER}{blank_number}",
        "place": place or issuing_place(),
        "date_text": decree30_date(day),
    }


@dataclass(frozen=True)
class Signature:
    """A signature block (Decree 30 Phụ lục I, mục "chữ ký"): the authority forms, one line each
    ("TM. HỘI ĐỒNG", "KT. CHỦ TỊCH"; none when the signer signs in their own right), the signer's title, then the signature
    space and the name (empty on a draft: it is filled in by hand); `note` goes under the title ("(Ký, ghi rõ
    họ tên)"), `remark` under the name ("Đã ký trên hệ thống ngày …")."""

    title: str
    forms: tuple[str, ...] = ()
    name: str = ""
    note: str = ""
    remark: str = ""

"""PDF -> RawDocument with pdfplumber, page by page, keeping each line's position and font.

Positions let the cleaner find page furniture (running headers, footers, print stamps) by where
it sits and how it repeats. Owner-password encrypted PDFs (copying disallowed, as every real
IMR letter is) open with the empty user password; a PDF that needs a user password, a broken
file and a scanned file without a text layer each fail with their own code.

Each page is parsed once (pdfminer's layout pass is nearly all the cost) and its cache is
flushed before the next, so memory stays flat on long documents.
"""

from __future__ import annotations

import io
import logging
import statistics
from typing import Any

import pdfplumber

from extractor import errors
from extractor.document import Line, Page, RawDocument

# pdfminer logs a warning for every odd font descriptor; they say nothing to our users.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

LINE_SEP = "\n"
PAGE_SEP = "\f"


def _open(data: bytes) -> Any:
    try:
        return pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # pdfminer raises many types; sort them by what they mean
        name = type(exc).__name__ + " " + repr(getattr(exc, "args", ""))
        if "Password" in name or "password" in str(exc).lower():
            raise errors.ExtractorError(
                errors.E_PDF_PASSWORD, "the PDF is protected by a user password"
            ) from None
        raise errors.ExtractorError(
            errors.E_PDF_CORRUPT, f"cannot parse the PDF ({type(exc).__name__})"
        ) from None


def _line_font(chars: list[dict[str, Any]]) -> tuple[float | None, bool]:
    visible = [c for c in chars if not str(c.get("text", " ")).isspace()]
    if not visible:
        return None, False
    size = statistics.median(float(c.get("size") or 0.0) for c in visible)
    bold = sum(1 for c in visible if "bold" in str(c.get("fontname", "")).lower())
    return round(size, 1), bold * 2 > len(visible)


def read_pdf(
    data: bytes, sha256: str, path: str | None = None, max_pages: int | None = None
) -> RawDocument:
    pdf = _open(data)
    with pdf:
        try:
            n_pages = len(pdf.pages)
        except Exception as exc:
            raise errors.ExtractorError(
                errors.E_PDF_CORRUPT, f"cannot read the page tree ({type(exc).__name__})"
            ) from None
        if n_pages == 0:
            raise errors.ExtractorError(errors.E_EMPTY, "the PDF has no pages")
        if max_pages is not None and n_pages > max_pages:
            raise errors.ExtractorError(
                errors.E_TOO_LARGE, f"{n_pages} pages, over the limit of {max_pages}"
            )
        parts: list[str] = []
        pages: list[Page] = []
        lines: list[Line] = []
        offset = 0
        for number, page in enumerate(pdf.pages, start=1):
            if number > 1:
                parts.append(PAGE_SEP)
                offset += len(PAGE_SEP)
            page_start = offset
            try:
                text_lines = page.extract_text_lines(strip=True, return_chars=True)
            except Exception as exc:
                raise errors.ExtractorError(
                    errors.E_PDF_CORRUPT, f"cannot parse page {number} ({type(exc).__name__})"
                ) from None
            prev_bottom: float | None = None
            first = True
            for tl in text_lines:
                text = tl["text"].strip()
                if not text:
                    continue
                if not first:
                    parts.append(LINE_SEP)
                    offset += len(LINE_SEP)
                first = False
                size, bold = _line_font(tl.get("chars") or [])
                top, bottom = float(tl["top"]), float(tl["bottom"])
                height = max(bottom - top, 1.0)
                gap = 0
                if prev_bottom is not None and top - prev_bottom > 0.6 * height:
                    gap = max(1, round((top - prev_bottom) / height))
                prev_bottom = bottom
                lines.append(
                    Line(
                        offset, offset + len(text), text, number, len(lines), gap,
                        round(top, 1), round(bottom, 1), round(float(tl["x0"]), 1),
                        round(float(tl["x1"]), 1), size, bold,
                    )
                )
                parts.append(text)
                offset += len(text)
            pages.append(
                Page(number, page_start, offset, float(page.height), float(page.width))
            )
            page.close()  # drop the page's parsed objects: flat memory on long PDFs
    if not lines:
        raise errors.ExtractorError(
            errors.E_PDF_NO_TEXT,
            f"no text layer on any of {n_pages} pages (scanned?): run OCR first",
        )
    return RawDocument("".join(parts), "pdf", pages, lines, sha256, path, None, [])

"""Ingestion: bytes (text or PDF) -> RawDocument, pages of lines with offsets into one text."""

from __future__ import annotations

import hashlib
from pathlib import Path

from extractor import errors
from extractor.document import RawDocument
from extractor.ingest.pdf import read_pdf
from extractor.ingest.text import read_text

PDF_MAGIC = b"%PDF-"


def sniff_format(data: bytes) -> str:
    """'pdf' when the PDF header appears in the first KiB (some files carry junk before it)."""
    return "pdf" if PDF_MAGIC in data[:1024] else "text"


def ingest_bytes(data: bytes, path: str | None = None, max_pages: int | None = None) -> RawDocument:
    sha = hashlib.sha256(data).hexdigest()
    if sniff_format(data) == "pdf":
        return read_pdf(data, sha256=sha, path=path, max_pages=max_pages)
    return read_text(data, sha256=sha, path=path)


def ingest_path(path: str | Path, max_pages: int | None = None) -> RawDocument:
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise errors.ExtractorError(errors.E_NOT_FOUND, f"no such file: {p}") from None
    except IsADirectoryError:
        raise errors.ExtractorError(errors.E_UNREADABLE, f"is a directory: {p}") from None
    except OSError as exc:
        raise errors.ExtractorError(errors.E_UNREADABLE, f"cannot read {p}: {exc.strerror}") from None
    return ingest_bytes(data, path=str(p), max_pages=max_pages)

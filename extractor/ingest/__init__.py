"""Ingestion: bytes (text or PDF) -> RawDocument, pages of lines with offsets into one text."""

from __future__ import annotations

import hashlib
import os
import pickle
from pathlib import Path

from extractor import errors
from extractor.document import RawDocument
from extractor.ingest.pdf import read_pdf
from extractor.ingest.text import read_text

PDF_MAGIC = b"%PDF-"


def sniff_format(data: bytes) -> str:
    """'pdf' when the PDF header appears in the first KiB (some files carry junk before it)."""
    return "pdf" if PDF_MAGIC in data[:1024] else "text"


# Bump when ingestion output changes, so that cached RawDocuments are not reused.
INGEST_VERSION = "1"


def _cache_file(sha: str) -> Path | None:
    """Optional cache of parsed PDFs (EXTRACTOR_RAW_CACHE=folder): re-runs over the same
    corpus skip pdfminer's layout pass, which is nearly all of the cost."""
    folder = os.environ.get("EXTRACTOR_RAW_CACHE")
    return Path(folder) / f"{sha}-{INGEST_VERSION}.pkl" if folder else None


def ingest_bytes(data: bytes, path: str | None = None, max_pages: int | None = None) -> RawDocument:
    sha = hashlib.sha256(data).hexdigest()
    if sniff_format(data) != "pdf":
        return read_text(data, sha256=sha, path=path)
    cache = _cache_file(sha)
    if cache is not None and cache.exists():
        raw: RawDocument = pickle.loads(cache.read_bytes())
        raw.path = path
        return raw
    raw = read_pdf(data, sha256=sha, path=path, max_pages=max_pages)
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(raw, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, cache)
    return raw


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

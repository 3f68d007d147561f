"""Ingestion: bytes (text or PDF) -> RawDocument, pages of lines with offsets into one text.

Guards, checked as early as they can be (a refused file costs milliseconds, not minutes):
  1. only regular files are opened: a named pipe would block the reader forever, a device
     would never end;
  2. size limits before reading the whole file: text over `max_text_mb`, PDFs over
     `max_pdf_mb` (the file's first KiB says which it is);
  3. a page limit, checked from the page count before any page is parsed (also on a cache hit);
  4. PDF-specific guards (passwords, decompression bombs, missing text layer) in `pdf.py`;
  5. the path recorded in the output is valid Unicode even when the file name is not UTF-8.
Limits come from `Limits.from_env()` (EXTRACTOR_MAX_PAGES, EXTRACTOR_MAX_TEXT_MB,
EXTRACTOR_MAX_PDF_MB; 0 turns a limit off); an explicit `max_pages` argument wins.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from extractor import errors
from extractor.document import RawDocument
from extractor.ingest.pdf import read_pdf, text_layer_issues
from extractor.ingest.text import read_text

PDF_MAGIC = b"%PDF-"
_SNIFF = 1024
_MB = 1 << 20


@dataclass(frozen=True, slots=True)
class Limits:
    """What one document may weigh. None: no limit."""

    max_pages: int | None = 1000  # ~100 s of pdfplumber on dense pages; corpus maximum ~200
    max_text_mb: float | None = 8.0  # ten times the longest real guideline's extracted text
    max_pdf_mb: float | None = 256.0  # the whole file is held in memory while parsing

    @classmethod
    def from_env(cls) -> Limits:
        base = cls()

        def read(name: str, default: float | None) -> float | None:
            value = os.environ.get(name, "").strip()
            if not value:
                return default
            try:
                number = float(value)
            except ValueError:
                return default
            return None if number <= 0 else number

        pages = read("EXTRACTOR_MAX_PAGES", base.max_pages)
        return cls(
            max_pages=None if pages is None else int(pages),
            max_text_mb=read("EXTRACTOR_MAX_TEXT_MB", base.max_text_mb),
            max_pdf_mb=read("EXTRACTOR_MAX_PDF_MB", base.max_pdf_mb),
        )

    def with_pages(self, max_pages: int | None) -> Limits:
        """An explicit page limit (a caller's option) overrides the default; 0 means none."""
        if max_pages is None:
            return self
        return replace(self, max_pages=max_pages if max_pages > 0 else None)


def sniff_format(data: bytes) -> str:
    """'pdf' when the PDF header appears in the first KiB (some files carry junk before it)."""
    return "pdf" if PDF_MAGIC in data[:_SNIFF] else "text"


def _check_size(size: int, fmt: str, limits: Limits) -> None:
    """Rule 2."""
    limit_mb = limits.max_pdf_mb if fmt == "pdf" else limits.max_text_mb
    if limit_mb is not None and size > limit_mb * _MB:
        env = "EXTRACTOR_MAX_PDF_MB" if fmt == "pdf" else "EXTRACTOR_MAX_TEXT_MB"
        raise errors.ExtractorError(
            errors.E_TOO_LARGE,
            f"{fmt} file of {size / _MB:.1f} MB, over the limit of {limit_mb:g} MB "
            f"(set {env} to raise it)",
        )


def _check_pages(n_pages: int, limits: Limits) -> None:
    """Rule 3."""
    if limits.max_pages is not None and n_pages > limits.max_pages:
        raise errors.ExtractorError(
            errors.E_TOO_LARGE,
            f"{n_pages} pages, over the limit of {limits.max_pages} "
            "(use --max-pages or EXTRACTOR_MAX_PAGES to raise it)",
        )


# Bump when ingestion output changes, so that cached RawDocuments are not reused.
INGEST_VERSION = "3"


def _cache_file(sha: str) -> Path | None:
    """Optional cache of parsed PDFs (EXTRACTOR_RAW_CACHE=folder): re-runs over the same
    corpus skip pdfminer's layout pass, which is nearly all of the cost."""
    folder = os.environ.get("EXTRACTOR_RAW_CACHE")
    return Path(folder) / f"{sha}-{INGEST_VERSION}.pkl" if folder else None


def _cache_load(cache: Path) -> RawDocument | None:
    """A cached parse, or None when there is none or it is unreadable (then parse again)."""
    try:
        raw = pickle.loads(cache.read_bytes())
    except FileNotFoundError:
        return None
    except Exception:  # a torn or foreign file must cost a re-parse, not the document
        return None
    return raw if isinstance(raw, RawDocument) else None


def _cache_store(cache: Path, raw: RawDocument) -> None:
    """Best effort: a cache folder that cannot be written must not fail the document."""
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(pickle.dumps(raw, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, cache)
    except OSError:
        tmp.unlink(missing_ok=True)


def ingest_bytes(
    data: bytes, path: str | None = None, max_pages: int | None = None,
    limits: Limits | None = None,
) -> RawDocument:
    limits = (limits or Limits.from_env()).with_pages(max_pages)
    fmt = sniff_format(data)
    _check_size(len(data), fmt, limits)
    sha = hashlib.sha256(data).hexdigest()
    if fmt != "pdf":
        return read_text(data, sha256=sha, path=path)
    cache = _cache_file(sha)
    if cache is not None and (raw := _cache_load(cache)) is not None:
        _check_pages(len(raw.pages), limits)
        raw.path = path
        raw.issues = text_layer_issues(raw)
        return raw
    raw = read_pdf(data, sha256=sha, path=path, max_pages=limits.max_pages)
    if cache is not None:
        _cache_store(cache, raw)
    return raw


@contextlib.contextmanager
def coded_os_errors(shown: str) -> Iterator[None]:
    """File-system failures as coded errors (shared by ingestion and the batch's hashing)."""
    try:
        yield
    except FileNotFoundError:
        raise errors.ExtractorError(errors.E_NOT_FOUND, f"no such file: {shown}") from None
    except IsADirectoryError:
        raise errors.ExtractorError(errors.E_UNREADABLE, f"is a directory: {shown}") from None
    except OSError as exc:
        raise errors.ExtractorError(
            errors.E_UNREADABLE, f"cannot read {shown}: {exc.strerror or exc}"
        ) from None


def regular_file(path: str | Path, shown: str) -> os.stat_result:
    """stat() a path that must be a regular file (a named pipe would block `open` forever)."""
    st = os.stat(path)
    if stat.S_ISDIR(st.st_mode):
        raise errors.ExtractorError(errors.E_UNREADABLE, f"is a directory: {shown}")
    if not stat.S_ISREG(st.st_mode):
        raise errors.ExtractorError(
            errors.E_UNREADABLE,
            f"not a regular file (a named pipe, socket or device): {shown}",
        )
    return st


def _read_file(p: Path, limits: Limits) -> bytes:
    """Rules 1-2: open only a regular file, and refuse one over the size limit unread."""
    shown = display_path(p)
    with coded_os_errors(shown):
        st = regular_file(p, shown)
        with open(p, "rb") as fh:
            head = fh.read(_SNIFF)
            _check_size(max(st.st_size, len(head)), sniff_format(head), limits)
            return head + fh.read()


def display_path(path: str | Path) -> str:
    """The path as valid Unicode: a file name that is not valid UTF-8 (Python keeps its bytes as
    lone surrogates) shows its bad bytes as `\\xNN`, so that the JSON can always be written."""
    text = os.fspath(path)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return text


def ingest_path(
    path: str | Path, max_pages: int | None = None, limits: Limits | None = None
) -> RawDocument:
    p = Path(path)
    limits = (limits or Limits.from_env()).with_pages(max_pages)
    return ingest_bytes(_read_file(p, limits), path=display_path(p), limits=limits)

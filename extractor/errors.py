"""Errors that stop one document, each with a fixed code (catalogued in docs/errors.md).

A document that cannot be read raises `ExtractorError`; the CLI prints `code: message` on one
line and the batch records the code in its run report and goes on with the next document.
"""

from __future__ import annotations


class ExtractorError(Exception):
    """A document-level failure with a stable, documented code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# Codes (keep docs/errors.md in step with this list).
E_NOT_FOUND = "E_NOT_FOUND"  # the path does not exist
E_UNREADABLE = "E_UNREADABLE"  # the file exists but cannot be read (permissions, a directory...)
E_UNSUPPORTED = "E_UNSUPPORTED"  # not a PDF and not text (binary noise, images, archives)
E_EMPTY = "E_EMPTY"  # no text at all (empty file, whitespace only)
E_PDF_CORRUPT = "E_PDF_CORRUPT"  # the PDF cannot be parsed (truncated, broken xref...)
E_PDF_PASSWORD = "E_PDF_PASSWORD"  # the PDF needs a user password to open
E_PDF_ENCRYPTED = "E_PDF_ENCRYPTED"  # encrypted with a security handler we cannot open
E_PDF_NO_TEXT = "E_PDF_NO_TEXT"  # scanned PDF without a text layer: needs OCR first
E_TOO_LARGE = "E_TOO_LARGE"  # over the size or page limit
E_TIMEOUT = "E_TIMEOUT"  # over the per-document time limit
E_INTERNAL = "E_INTERNAL"  # a bug: please report it with the file
E_USAGE = "E_USAGE"  # the command line was wrong (exit code 2)
E_OUTPUT = "E_OUTPUT"  # an output (folder, file, run report) cannot be written

"""The hostile corpus: files a user's uncurated folder may hold, generated (never downloaded).

`build(folder)` writes every case and returns them by name. Each case records what the
extractor must do with it: fail with a given error code, or succeed (optionally with an issue
code in the output). Outcomes that depend on the environment (running as root makes a mode-000
file readable) are decided when the case is built. The guideline and letter text is synthetic.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from tests.hostile.pdfgen import bomb_pdf, make_pdf, reference_loop_pdf, unmapped_glyphs_pdf

GUIDELINE = """Clinical UM Guideline
Subject: Widget Therapy for Chronic Knee Pain
Document #: CG-MED-999
Publish Date: 01/02/2025

Description
This document addresses widget therapy, a treatment for chronic knee pain that does not
respond to rest and physical therapy (Smith 2019).

Clinical Indications
Medically Necessary:
Widget therapy is considered medically necessary when all of the following criteria are met:
A. The individual has knee pain lasting at least 3 months; and
B. Conservative treatment has failed.

Not Medically Necessary:
Widget therapy is considered not medically necessary when the criteria above are not met.

Coding
CPT
97033 Application of a modality to 1 or more areas; iontophoresis

References
Smith A, Jones B. Widgets for knee pain. J Knee Res. 2019; 12(3):45-50.
"""

LETTER = """Independent Medical Review Final Determination Letter
IMR Case Number: CM99-0000001
Date of Injury: 01/02/2019
Dear Ms. Example:
The Independent Medical Review of the disputed items has been completed.
DOCUMENTS REVIEWED:
Application of Independent Medical Review dated 03/04/2020
CLINICAL SUMMARY:
The applicant is a 45-year-old female who reported an injury to the low back.
IMR ISSUES, DECISIONS AND RATIONALES:
1. Physical therapy, 12 sessions is not medically necessary and appropriate.
"""

PDF_LINES = [line for line in GUIDELINE.splitlines() if line.strip()]


@dataclass(frozen=True)
class Case:
    name: str  # file name inside the hostile folder
    code: str | None  # expected error code; None: parses into a document
    issue: str | None = None  # an issue code the document must carry
    # in a batch, also acceptable: these error codes (an output that cannot be written)
    batch_also: frozenset[str] = frozenset()


def _nested_list(depth: int) -> str:
    labels = ["A.", "1.", "a.", "i.", "(1)", "(a)", "-"]
    out = ["Clinical Indications", "The treatment is medically necessary when:"]
    for level in range(depth):
        out.append("  " * (level % 40) + f"{labels[level % len(labels)]} criterion {level} and")
    return "\n".join(out) + "\n"


def _code_tokens(n: int) -> str:
    rows = ["Coding", "CPT"]
    for i in range(n // 4):
        rows.append(
            f"{97000 + i % 999} E{1000 + i % 8999} M{10 + i % 89}.{i % 999} J{i % 9999:04d}"
        )
    return "\n".join(rows) + "\n"


def _all_headings(n: int) -> str:
    names = ["Description", "Clinical Indications", "Coding", "Discussion", "Background",
             "Definitions", "References", "Websites", "Index", "History"]
    return "\n".join(names[i % len(names)] for i in range(n)) + "\n"


def text_cases() -> dict[str, bytes]:
    """Hostile text files, as bytes."""
    para = GUIDELINE
    big_line = ("widget therapy is considered medically necessary when all criteria are met "
                * 14_000)[: 1 << 20]
    return {
        "empty.txt": b"",
        "whitespace.txt": b" \t\n\r\n   \n\f\n" * 200,
        "binary_noise.txt": bytes((i * 7919 + 13) % 256 for i in range(65536)),
        "nul_bytes.txt": GUIDELINE.encode() + b"\x00\x00\x1b\x00" + GUIDELINE.encode(),
        "utf16_no_bom.txt": GUIDELINE.encode("utf-16-le"),
        "utf16_lone_surrogate.txt": "\ufeff".encode("utf-16-le") + GUIDELINE.encode("utf-16-le")
        + b"\x00\xd8A\x00",
        "one_mb_line.txt": big_line.encode(),
        "ten_mb.txt": (para * (10_500_000 // len(para) + 1)).encode()[:10_500_000],
        "invalid_utf8.txt": GUIDELINE.encode() + b"\xff\xfe\xfa bad \xc3\x28 bytes\n",
        "latin1.txt": GUIDELINE.replace("knee", "genou f\u00e9moral").encode("latin-1"),
        "utf16.txt": GUIDELINE.encode("utf-16"),
        "mixed_endings.txt": GUIDELINE.replace("\n", "\r\n", 10).replace("\n", "\r", 5).encode(),
        "nested_500.txt": _nested_list(500).encode(),
        "code_tokens.txt": _code_tokens(100_000).encode(),
        "all_headings.txt": _all_headings(2_000).encode(),
        "imr_letter.txt": LETTER.encode(),
        # long runs of one character inside lines: patterns quadratic in a run would crawl
        "wide_spaces.txt": GUIDELINE.replace(" ", " " * 3000).encode(),
        "dash_rule_heading.txt": GUIDELINE.replace("Description", "Description " + "-" * 20_000
                                                   + " x").encode(),
        "spaces_in_items.txt": GUIDELINE.replace("A. The", "A. The" + " " * 20_000 + "x")
        .replace("Medically Necessary:", "Medically Necessary: " + " " * 20_000 + "x").encode(),
        "long_doc_number.txt": GUIDELINE.replace("CG-MED-999", "1" * 50_000 + "!").encode(),
        "dotted_leaders.txt": GUIDELINE.replace("Coding", "Coding " + ". " * 10_000 + "x").encode(),
        # 16-bit little numbers (audio, bitmaps): zero high bytes like UTF-16, but not text
        "utf16_lookalike.txt": bytes(b for i in range(20000) for b in ((i * 37) % 251, 0)),
        "rich_text.txt": b"{\\rtf1\\ansi " + GUIDELINE.encode() + b"}",
    }


def pdf_cases() -> dict[str, bytes]:
    good = make_pdf([PDF_LINES[:12], PDF_LINES[12:]])
    xref = good.rindex(b"xref")
    # offsets in the table all wrong: a parser must fall back to scanning for objects
    bad_xref = good[:xref] + good[xref:].replace(b" 00000 n", b" 00000 n").replace(
        b"0000000", b"0000009"
    )
    garbage = b"%PDF-1.4\n" + bytes((i * 131 + 7) % 256 for i in range(4000)) + b"\n%%EOF\n"
    return {
        "truncated.pdf": good[: len(good) // 3],
        "bad_xref.pdf": bad_xref,
        "garbage_body.pdf": garbage,
        "user_password.pdf": make_pdf([PDF_LINES], user_password="open sesame",
                                      owner_password="owner"),
        "owner_password.pdf": make_pdf([PDF_LINES], owner_password="owner", permissions=-44,
                                       compress=True),
        "unsupported_encryption.pdf": make_pdf([PDF_LINES], owner_password="o").replace(
            b"/Filter /Standard /V 1 /R 2", b"/Filter /PubSec /V 9 /R 2  "),
        "scanned.pdf": make_pdf([b"q 0.5 g 36 36 540 720 re f Q"] * 3),
        "partly_scanned.pdf": make_pdf([PDF_LINES, b"q 0.5 g 36 36 540 720 re f Q", PDF_LINES]),
        "unmapped_glyphs.pdf": unmapped_glyphs_pdf(["Description"], glyph_lines=20),
        "some_unmapped_glyphs.pdf": unmapped_glyphs_pdf(PDF_LINES, glyph_lines=1,
                                                        glyphs_per_line=3),
        "zero_pages.pdf": make_pdf([]),
        "two_thousand_pages.pdf": make_pdf([[f"Page {i} of a very long policy"]
                                            for i in range(1, 2001)]),
        "bomb.pdf": bomb_pdf(200),
        # encrypted: the raw bytes cannot be inflated, the per-page check must catch it
        "bomb_encrypted.pdf": make_pdf([b" " * (80 << 20)], compress=True, owner_password="o"),
        "javascript_attachment.pdf": make_pdf([PDF_LINES], javascript=True, attachment=True),
        "reference_loop.pdf": reference_loop_pdf(),
        # 50,000 stream keywords and no end: the bomb guard must stay linear
        "stream_tokens.pdf": b"%PDF-1.4\n" + b"1 0 obj << /Filter /FlateDecode >> stream\n" * 50_000,
    }


EXPECT: dict[str, Case] = {
    c.name: c
    for c in [
        Case("empty.txt", "E_EMPTY"),
        Case("whitespace.txt", "E_EMPTY"),
        Case("binary_noise.txt", "E_UNSUPPORTED"),
        Case("nul_bytes.txt", None, issue="I_CONTROL_CHARS"),
        Case("utf16_no_bom.txt", None),
        Case("utf16_lone_surrogate.txt", None, issue="I_DECODING_ERRORS"),
        Case("one_mb_line.txt", None),
        Case("ten_mb.txt", "E_TOO_LARGE"),
        Case("invalid_utf8.txt", None, issue="I_DECODING_FALLBACK"),
        Case("latin1.txt", None, issue="I_DECODING_FALLBACK"),
        Case("utf16.txt", None),
        Case("mixed_endings.txt", None),
        Case("nested_500.txt", None),
        Case("code_tokens.txt", None),
        Case("all_headings.txt", None),
        Case("imr_letter.txt", None),
        Case("wide_spaces.txt", None),
        Case("dash_rule_heading.txt", None),
        Case("dotted_leaders.txt", None),
        Case("long_doc_number.txt", None),
        Case("spaces_in_items.txt", None),
        Case("utf16_lookalike.txt", "E_UNSUPPORTED"),
        Case("rich_text.txt", "E_UNSUPPORTED"),
        Case("truncated.pdf", "E_PDF_CORRUPT"),
        Case("bad_xref.pdf", None),
        Case("garbage_body.pdf", "E_PDF_CORRUPT"),
        Case("user_password.pdf", "E_PDF_PASSWORD"),
        Case("owner_password.pdf", None),
        Case("unsupported_encryption.pdf", "E_PDF_ENCRYPTED"),
        Case("scanned.pdf", "E_PDF_NO_TEXT"),
        Case("partly_scanned.pdf", None, issue="I_PAGES_WITHOUT_TEXT"),
        Case("unmapped_glyphs.pdf", "E_PDF_NO_TEXT"),
        Case("some_unmapped_glyphs.pdf", None, issue="I_UNMAPPED_GLYPHS"),
        Case("zero_pages.pdf", "E_EMPTY"),
        Case("two_thousand_pages.pdf", "E_TOO_LARGE"),
        Case("bomb.pdf", "E_TOO_LARGE"),
        Case("bomb_encrypted.pdf", "E_TOO_LARGE"),
        Case("javascript_attachment.pdf", None),
        Case("reference_loop.pdf", "E_PDF_CORRUPT"),
        Case("stream_tokens.pdf", "E_PDF_CORRUPT"),
    ]
}

# names a careless script would mangle: spaces, quotes, a newline, non-ASCII
ODD_NAME = "odd 'name' \"quoted\"\nnew line \u00e9\u4e2d.txt"
# a name that is not valid UTF-8 (Linux allows any bytes): Python holds it with surrogates
BYTES_NAME = os.fsdecode(b"latin1 caf\xe9 \xff.txt")
# the longest name a file system allows (255 bytes): its output name needs more
LONG_NAME = "L" * 251 + ".txt"
# cases whose files `build` makes itself (links, modes, pipes): outcome decided there
SPECIAL = (ODD_NAME, BYTES_NAME, LONG_NAME, "symlink_loop.txt", "dangling.txt", "unreadable.txt",
           "named_pipe.txt")
ALL_NAMES = (*EXPECT, *SPECIAL)
# seconds a case may take in the test suite (generous: two shared cores); default 10
BUDGET = {"code_tokens.txt": 60.0, "all_headings.txt": 30.0, "one_mb_line.txt": 30.0}


def build(folder: Path) -> dict[str, Case]:
    """Write the hostile corpus into `folder` (created) and return the expected outcomes."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = dict(EXPECT)
    for name, data in {**text_cases(), **pdf_cases()}.items():
        (folder / name).write_bytes(data)
    for name in (ODD_NAME, BYTES_NAME, LONG_NAME):
        (folder / name).write_bytes(GUIDELINE.encode())
        cases[name] = Case(name, None)
    # `<name>.json` is over the file system's 255 bytes: shorten it, or say E_OUTPUT
    cases[LONG_NAME] = Case(LONG_NAME, None, batch_also=frozenset({"E_OUTPUT"}))

    loop = folder / "symlink_loop.txt"
    loop.symlink_to(loop.name)  # points at itself: ELOOP on open
    cases[loop.name] = Case(loop.name, "E_UNREADABLE")
    dangling = folder / "dangling.txt"
    dangling.symlink_to("no_such_target.txt")
    cases[dangling.name] = Case(dangling.name, "E_NOT_FOUND")
    (folder / "dir_loop").mkdir()
    (folder / "dir_loop" / "up").symlink_to("..", target_is_directory=True)

    locked = folder / "unreadable.txt"
    locked.write_bytes(GUIDELINE.encode())
    locked.chmod(0)
    # root reads anything: the file then parses like any other
    readable = os.geteuid() == 0 if hasattr(os, "geteuid") else False
    cases[locked.name] = Case(locked.name, None if readable else "E_UNREADABLE")

    fifo = folder / "named_pipe.txt"
    if hasattr(os, "mkfifo"):
        os.mkfifo(fifo)  # reading it would block forever: must be refused, not opened
        cases[fifo.name] = Case(fifo.name, "E_UNREADABLE")
    return cases


def make_writable(folder: Path) -> None:
    """Undo the mode-000 file so that tmp_path clean-up works for non-root users."""
    locked = folder / "unreadable.txt"
    if locked.exists():
        locked.chmod(stat.S_IRUSR | stat.S_IWUSR)

"""Code tables: coverage groups x code systems, entries validated and ranges expanded.

The extractor walks the kept lines of the document in order (front matter, then every
section) with a small state machine; the vocabulary is data (extractor/rules/codes.toml).
Heuristics, in order:

 1. Where tables may sit. Every section is read except references, history, websites and
    index. Inside a `coding` section (or one whose heading names codes, or one the segmenter
    opened at a group or header line right after a coding section) a code row is taken
    wherever it appears; elsewhere a table must first be opened by a system header ("CPT",
    "HCPCS Code Description", "ICD-10 codes covered if ...:", "CPT Codes 81200, 81201,") or
    a column header ("Code Description"), so codes cited in narrative prose are never rows.
    A top-level heading ends the table; a nested one (often a category line the segmenter
    took for a sub-section) only ends the row.
 2. Coverage group. A line naming the coverage ("When services are Not Medically Necessary:",
    "May Be Medically Necessary When Criteria are Met", "The following services are
    considered experimental ...") sets the group of the tables below it until the next one
    or the end of the table; "<system> codes not covered ..." gives "not covered", read as
    investigational where the document calls services experimental or investigational,
    otherwise as not medically necessary. No group: `unspecified`.
 3. Code system. A header line made of system names and column words sets the system; a
    header naming several systems, "Procedure Codes", or no header at all lets each row's
    shape decide (5 digits or 4 + F/T/U/M -> CPT, letter + 4 digits -> HCPCS, letter-digit-x
    [.x] -> ICD-10-CM). ICD-10 Diagnosis means ICD-10-CM, ICD-10 Procedure ICD-10-PCS. A
    repeated header (top of a new page) continues the same table. A code whose shape fits
    another system than its header's goes to that system, flagged I_CODE_SYSTEM_MISMATCH.
 4. Rows. A line opening with a code cell: one code, a range (`L74.510-L74.519`,
    `88271 - 88299`, `A to B`) or a comma list of them, then the description. A cell that
    ends with "," or "-" goes on over the next lines (a wrapped code column, even when the
    description column wraps beside it: "C24.1, C25.0 - esophagus, ...").
 5. Continuation. A following line that is not a row, header, group line or note joins the
    description (a line-end hyphen after a letter joins without a space), so bracketed
    qualifiers stay with their code; a repeated column header at a page top does not end
    the row. In PDFs a line left of the code column, in other type (size, weight), or a
    lead-in ending with ":" ends the row instead (category sub-headings, footnotes), and a
    line set at the description column is never a new row; in plain text a short Title Case
    line without product words ends the row (a category line). Date columns announced by
    the column header are left out of descriptions.
 6. Notes ("All diagnoses", "Including, but not limited to, ...") attach to the table of the
    current system; a topic lead-in ("Genotyping for CYP2D6:") becomes a note of the tables
    that follow it; copyright lines inside a table are skipped.
 7. Lines the boilerplate removal took between two kept lines come back when they read as
    a system header or a code row (a notice removed together with the header below it).
 8. Validation. ICD-10-CM codes and range ends are looked up in the April 2026 code set
    (simple-icd-10-cm, imported lazily once per process); a range expands into the billable
    (leaf) codes between its ends, descendants of the end included. CPT, HCPCS, PLA and
    ICD-10-PCS are checked by shape. An invalid code keeps its row with `valid: false` and
    an `I_CODE_INVALID` issue; a code-looking line inside a table that cannot be read as a
    row is reported as `I_CODE_ROW_UNPARSED`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache, lru_cache, wraps
from typing import Any

import regex

from extractor import rules
from extractor.context import Context
from extractor.document import Line
from extractor.models.contract import CodeEntry, CodeTable
from extractor.textutil import PrefixGate, limit

SKIP_KINDS = frozenset({"references", "history", "websites", "index"})
UNSPECIFIED = "unspecified"
NOT_COVERED = "not_covered"
ROW_SYSTEMS = ("CPT", "HCPCS", "ICD-10-CM")  # what a row's shape may say without a header
PROCEDURE_SYSTEMS = ("CPT", "HCPCS")
_TIMEOUT = 0.05  # seconds; every pattern here is linear, the timeout is a safety net
_INVISIBLE = regex.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACES = regex.compile(r"\s+")
_DASHES = ("–", "—", "‑", "−")  # typographic dashes read as "-"
_CODE_WORD = regex.compile(r"\bcode", regex.I)
_MARKS = regex.compile(r"[*†‡§]")  # footnote marks in headers ("CPT®* Codes")
_ASCII_MARK = "*"  # the only one of them in ASCII
_CELL_MARKS = "*†‡"  # the marks a code cell may carry beside a code
_ONE_CODE = regex.compile(r"[*†‡]?[0-9A-Za-z.]+[*†‡]?")  # no separator: a cell of one code
_GENERIC_ONLY = regex.compile(r"(?:other )?(?:procedures?|diagnos[ie]s)", regex.I)
_TOPIC = regex.compile(r"\p{Lu}[^:]*:")
# a code list inside a sentence: "(CPT codes 81228, 81229, and 81479)."
_PROSE_TAIL = regex.compile(r"(?:and|or|through|to|thru)\b")
_DATE_COLUMN = regex.compile(r"\bdate\b", regex.I)
_DATE = regex.compile(r"(?<![\w/])\d{1,2}/\d{1,2}/\d{2,4}(?![\w/])")
# one pattern per word: each is found by a fast literal scan, their alternation is not
# compiled once (the module-level regex functions look their pattern up on every call)
_NAME_SPLIT = regex.compile(r" ?(?:/|,|&|\band\b|\bor\b) ?", regex.I)
_NAME_NOISE = regex.compile(r"(?i)^other |®| codes?$| code\(s\)$")
_LEAD_DASH = regex.compile(r"-\s*(?=[0-9A-Z])")
_INVESTIGATIONAL = [
    regex.compile(rf"\b{w}\b", regex.I) for w in ("experimental", "investigational")
]
_EXPLICIT = regex.compile(r"(?:other )?(?:CPT|HCPCS|ICD|PLA)\b", regex.I)
# "G30. 0" (a stray space after the dot) reads as G30.0
_SPLIT_DOT = regex.compile(r"(?<=\b[A-Z][0-9][0-9A-Z])\. (?=[0-9A-Z]{1,4}\b)")


# --- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rules:
    formats: dict[str, regex.Pattern[str]]
    header: regex.Pattern[str]  # "<system>[ codes] [/ <system> ...]" at a line start
    header_ascii: regex.Pattern[str]  # `header` for ASCII lines (`_simple_fold`)
    aliases: list[tuple[str, regex.Pattern[str]]]
    filler: frozenset[str]
    columns: frozenset[str]
    groups: list[tuple[str, regex.Pattern[str], bool]]  # (id, pattern, whole line)
    any_group: regex.Pattern[str]  # the groups' alternation: no match, no group (speed only)
    clauses: list[tuple[str, regex.Pattern[str]]]
    prefixes: list[tuple[str, regex.Pattern[str]]]  # "Other", "Covered", "Non-covered" ...
    notes: list[regex.Pattern[str]]
    skips: list[regex.Pattern[str]]
    any_note: regex.Pattern[str]  # one pass for "any of them matches at the start"
    any_skip: regex.Pattern[str]
    any_skip_ascii: regex.Pattern[str]  # (`_simple_fold`)
    # a line that none of the header, group and skip patterns matches from its start is none
    # of those lines: one call instead of four on every line of prose (see `_plain`)
    line_gate: regex.Pattern[str]
    # `line_gate` for ASCII lines (`_simple_fold`): a failed full-folding match of the
    # alternation costs ~4 us a line, twice this one's
    line_gate_ascii: regex.Pattern[str]
    row: regex.Pattern[str]
    code: regex.Pattern[str]
    # False where the pattern cannot match the line from its start, read from the line's
    # first characters (textutil.PrefixGate): most lines are prose that opens with a word no
    # header, group, note, skip line or code row opens with, and a look-up costs less than a
    # pattern call
    header_start: PrefixGate
    group_start: PrefixGate
    note_start: PrefixGate
    skip_start: PrefixGate
    line_start: PrefixGate
    row_start: PrefixGate


def _alternation(patterns: list[str]) -> regex.Pattern[str]:
    return regex.compile("|".join(f"(?:{p})" for p in patterns), regex.I | regex.V1)


def _simple_fold(pattern: regex.Pattern[str]) -> regex.Pattern[str]:
    """`pattern` without full case folding ("(?-f)"), for ASCII text: no character of the
    rules folds to a sequence of ASCII characters other than its own case pair, so on ASCII
    text it matches where `pattern` does, and a full-folding match of a rule alternation costs
    up to twice as much."""
    return regex.compile("(?-f)" + pattern.pattern, pattern.flags)


@cache
def _rules() -> _Rules:
    data: dict[str, Any] = rules.load("codes")
    systems = data["system"]
    aliases = rules.compile_all("codes.system", systems, key="alias",
                                allowed={"id", "alias", "format"})
    formats = {
        s["id"]: regex.compile(rf"(?:{s['format']})", regex.V1) for s in systems if s["format"]
    }
    alias_union = "|".join(f"(?:{s['alias']})" for s in systems)
    unit = rf"(?:{alias_union})®?(?: codes?| code\(s\))?(?![\p{{L}}\p{{N}}])"
    prefixes = "|".join(f"(?:{p['match']})" for p in data["prefix"])
    header = regex.compile(
        rf"^(?:(?P<pre>{prefixes}) )?(?P<sys>{unit}(?: ?(?:/|,|&|and|or) ?{unit})*)",
        regex.I | regex.V1,
    )
    groups: list[tuple[str, regex.Pattern[str], bool]] = []
    for g in data["group"]:
        whole = "fullmatch" in g
        groups.append((g["id"], regex.compile(g["fullmatch" if whole else "match"],
                                              regex.I | regex.V1), whole))
    # one code, as written in a table's code column (upper case only: "j9264" is prose)
    code = "|".join(f"(?:{s['format']})" for s in systems if s["format"])
    # a footnote mark may sit on either side of a code ("*89290", "81228*")
    bare = rf"(?:{code})(?![0-9A-Za-z.])"
    one = rf"[*†‡]?{bare}[*†‡]?"
    rng = rf"{one}(?:\s*[-–—]\s*{one}|\s+(?:to|through|thru)\s+{one})?"
    row = regex.compile(
        rf"^(?P<cell>{rng}(?:\s*,\s*{rng})*)(?P<dangle>\s*[,\-–—](?=\s|$))?(?:\s+(?P<desc>\S.*))?$",
        regex.V1,
    )
    gate_src = (
        [header.pattern]
        + [g["fullmatch" if "fullmatch" in g else "match"] for g in data["group"]]
        + data["skip"]["match"]
    )
    # a line that fullmatches a group also matches it from its start
    any_group = _alternation([g["fullmatch" if "fullmatch" in g else "match"]
                              for g in data["group"]])
    any_note = _alternation(data["notes"]["match"])
    any_skip = _alternation(data["skip"]["match"])
    line_gate = _alternation(gate_src)
    return _Rules(
        formats=formats,
        header=header,
        header_ascii=_simple_fold(header),
        aliases=aliases,
        filler=frozenset(data["header"]["filler"]),
        columns=frozenset(data["header"]["columns"]),
        groups=groups,
        any_group=any_group,
        clauses=rules.compile_all("codes.clause", data["clause"], key="match"),
        prefixes=rules.compile_all("codes.prefix", data["prefix"], key="match"),
        notes=[regex.compile(p, regex.I | regex.V1) for p in data["notes"]["match"]],
        skips=[regex.compile(p, regex.I | regex.V1) for p in data["skip"]["match"]],
        any_note=any_note,
        any_skip=any_skip,
        any_skip_ascii=_simple_fold(any_skip),
        line_gate=line_gate,
        line_gate_ascii=_simple_fold(line_gate),
        row=row,
        code=regex.compile(
            rf"(?P<a>{bare})[*†‡]?(?:\s*[-–—]\s*[*†‡]?(?P<b>{bare})[*†‡]?"
            rf"|\s+(?:to|through|thru)\s+[*†‡]?(?P<c>{bare})[*†‡]?)?",
            regex.V1,
        ),
        header_start=PrefixGate(header, width=4),
        group_start=PrefixGate(any_group, width=4),
        note_start=PrefixGate(any_note, width=4),
        skip_start=PrefixGate(any_skip, width=4),
        line_start=PrefixGate(line_gate, width=4),
        row_start=PrefixGate(row, width=4),
    )


def _guarded(default: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A line reader that gives `default` when a pattern times out (the line is left alone)."""

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(fn)
        def inner(*args: Any) -> Any:
            try:
                return fn(*args)
            except TimeoutError:
                return default

        return inner

    return wrap


def _norm(text: str) -> str:
    if text.isprintable():
        # most lines: a printable text holds no control or format character (the invisible
        # ones are format characters) and no separator but the space, its one white space; a
        # text without a run of spaces or one at an edge is then its own form, dashes aside
        if not text.isascii():
            text = _plain_dashes(text)
        if "  " in text or text[:1] == " " or text[-1:] == " ":
            return " ".join(text.split())
        return text
    if not text.isascii():  # invisible characters and typographic dashes are not ASCII
        text = _plain_dashes(_INVISIBLE.sub("", text))
    if "\x1c" in text or "\x1d" in text or "\x1e" in text or "\x1f" in text:
        return _SPACES.sub(" ", text).strip()
    # `str.split` splits at the white space of `regex`'s \s and at these four alone
    return " ".join(text.split())


def _plain_dashes(text: str) -> str:
    # (`str.translate` with a table of non-Latin-1 characters costs ~20 us a line)
    for dash in _DASHES:
        if dash in text:
            text = text.replace(dash, "-")
    return text


def _has_marks(text: str) -> bool:
    return _ASCII_MARK in text or (not text.isascii() and _MARKS.search(text) is not None)


# --- validation ------------------------------------------------------------------------------


@cache
def _icd() -> Any:
    """The ICD-10-CM code set; parsing it costs ~1.6 s, so only when a table needs it."""
    import simple_icd_10_cm as cm

    return cm


@cache
def _icd_codes() -> tuple[str, ...]:
    return tuple(_icd().get_all_codes(True))


@cache
def _icd_positions() -> dict[str, int]:
    """Each item's position in the code set's order, as `get_index` gives it (the first place
    it is listed: "B20" is a block and its category). `get_index` finds a code it was not asked
    for before by a Python loop over the ~98,000 items, ~4 ms a code: a range's end and each of
    its descendants are looked up, so a batch meeting new ranges paid that again and again."""
    positions: dict[str, int] = {}
    for i, c in enumerate(_icd_codes()):
        positions.setdefault(c, i)
    return positions


# The code set's answers are remembered (they depend on the code alone): a publisher's tables
# list the same codes and ranges document after document, and a range's expansion walks every
# item between its ends.
@lru_cache(maxsize=8192)
def _icd_code(code: str) -> str | None:
    """The code set's spelling of `code` when it is a code (not a chapter or block)."""
    cm = _icd()
    c = code.upper().replace(" ", "")
    try:
        # "B20" names a block and its only category: being a category is what counts
        if cm.is_valid_item(c) and cm.is_category_or_subcategory(c):
            return c if "." in c or len(c) <= 3 else cm.add_dot(c)
    except (ValueError, KeyError):
        return None
    return None


@lru_cache(maxsize=1024)  # (an expansion may list hundreds of codes)
def _icd_expand(start: str, end: str) -> tuple[str, ...] | None:
    """Billable codes from `start` through `end` and its descendants; None when reversed."""
    cm = _icd()
    codes = _icd_codes()
    # `start`, `end` (spelled as the code set spells them, see `_icd_code`) and the
    # descendants' names are keys of the positions as they are
    pos = _icd_positions()
    i = pos[start]
    j = max([pos[end]] + [pos[d] for d in cm.get_descendants(end)])
    if j < i:
        return None
    out: list[str] = []
    for c in codes[i : j + 1]:
        # chapters ("12") and blocks ("L60-L75") are never codes; "B20" is listed twice
        if "-" not in c and not c.isdigit() and cm.is_leaf(c) and (not out or out[-1] != c):
            out.append(c)
    return tuple(out)


def _shape_ok(system: str, code: str) -> bool:
    fmt = _rules().formats.get(system)
    return bool(fmt and fmt.fullmatch(code))


def validate(system: str, code: str, end: str | None) -> tuple[bool | None, list[str], str | None]:
    """(valid, expanded, problem) for one entry of a table of `system`."""
    if system == "ICD-10-CM":
        a = _icd_code(code)
        if a is None:
            return False, [], f"{code} is not an ICD-10-CM code"
        if end is None:
            return True, [], None
        b = _icd_code(end)
        if b is None:
            return False, [], f"range end {end} is not an ICD-10-CM code"
        expanded = _icd_expand(a, b)
        if expanded is None:
            return False, [], f"range {code}-{end} runs backwards"
        return True, list(expanded), None
    if system not in _rules().formats:
        return None, [], None
    for c in (code, end):
        if c is not None and not _shape_ok(system, c):
            return False, [], f"{c} does not have the shape of a {system} code"
    if end is not None and (len(code) != len(end) or end < code):
        return False, [], f"range {code}-{end} is not in order"
    return True, [], None


def infer_system(code: str, allowed: tuple[str, ...]) -> str | None:
    """The first allowed system whose code shape fits `code`."""
    for system in allowed:
        if _shape_ok(system, code):
            return system
    return None


# --- line reading ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Header:
    systems: tuple[str, ...]  # named systems ("procedure" expanded); empty for column headers
    group: str | None  # a group given by the same line ("... codes covered if ...")
    other: bool  # a prefix word opened the header ("Other CPT codes", "Covered ...")


@dataclass(frozen=True, slots=True)
class Row:
    codes: tuple[tuple[str, str | None], ...]
    description: str | None
    dangle: str | None  # "," or "-" ending the code cell: the cell goes on on the next line

    @property
    def dangling(self) -> bool:
        return self.dangle is not None


@_guarded(None)
def read_header(text: str) -> Header | None:
    """A system header ("CPT", "ICD-10 Diagnosis", "CPT codes covered if ...:") or None."""
    r = _rules()
    body = (_MARKS.sub("", text) if _has_marks(text) else text).rstrip(":").strip()
    if _column_header(body):
        return Header((), None, False)
    if not r.header_start(body):
        return None
    m = _header_match(body)
    if not m:
        return None
    rest = body[m.end():].strip(" :")
    group: str | None = None
    if rest and not all(w in r.filler for w in _words(rest)):
        group = next((gid for gid, pat in r.clauses
                      if pat.match(rest, timeout=limit(rest, _TIMEOUT))), None)
        if group is None:
            return None
    systems = _systems(m.group("sys"))
    if not systems:
        return None
    if _GENERIC_ONLY.fullmatch(m.group("sys")):
        return None  # "Other procedures:" is a topic; "Procedure Codes" is a header
    pre = m.group("pre")
    if pre and group is None:  # "Other CPT codes", "Non-covered HCPCS codes"
        group = next((gid for gid, pat in r.prefixes
                      if pat.fullmatch(pre, timeout=limit(pre, _TIMEOUT))), None) or None
    return Header(systems, group, bool(pre))


def _column_header(text: str) -> bool:
    """A line of column words that names codes ("Code Description")."""
    # (`_CODE_WORD` cannot match where the lower-cased text has no "code": most lines)
    return "code" in text.lower() and _only_columns(text, _rules().columns) and \
        _CODE_WORD.search(text) is not None


def _only_columns(text: str, columns: frozenset[str]) -> bool:
    """Are the header words of `text` (see `_words`) some, all column words? Stops at the
    first other word: most lines are prose, so the text's first space-separated piece is read
    before the rest is split (a space separates words: the words are those of the pieces)."""
    seen = False
    for piece in text.partition(" ")[::2]:
        for w in piece.lower().replace("/", " / ").split():
            w = w.strip("().,;")
            if w:
                if w not in columns:
                    return False
                seen = True
    return seen


def _words(text: str) -> list[str]:
    """Lower-case words of a header line, punctuation around them dropped."""
    return [w for w in (w.strip("().,;") for w in text.lower().replace("/", " / ").split()) if w]


@lru_cache(maxsize=1024)
def _systems(names: str) -> tuple[str, ...]:
    """The systems a header's names give ("CPT/HCPCS" -> CPT, HCPCS); remembered: a few names
    ("CPT", "HCPCS", "ICD-10 Diagnosis") head most tables, and the split costs ~3 us."""
    r = _rules()
    systems: list[str] = []
    for piece in _NAME_SPLIT.split(names):
        piece = _NAME_NOISE.sub("", piece.strip()).strip()
        sid = next((s for s, pat in r.aliases
                    if pat.fullmatch(piece, timeout=limit(piece, _TIMEOUT))), None)
        if sid == "procedure":
            systems.extend(s for s in PROCEDURE_SYSTEMS if s not in systems)
        elif sid and sid not in systems:
            systems.append(sid)
    return tuple(systems)


@lru_cache(maxsize=64)
def _header_match(text: str) -> regex.Match[str] | None:
    """`_Rules.header` matched at the start of `text` (ASCII text by its simple-folding
    twin). Remembered: a table line that is not a code row is read as a labelled list, then
    as a header, each matching the header pattern on the same text."""
    r = _rules()
    pat = r.header_ascii if text.isascii() else r.header
    return pat.match(text, timeout=limit(text, _TIMEOUT))


@_guarded(None)
def read_labelled_list(text: str) -> tuple[tuple[str, ...], str] | None:
    """A system label followed by a bare code list: "CPT Codes 81200, 81201, 81202,"."""
    if not _rules().header_start(text):
        return None
    m = _header_match(text)
    if not m:
        return None
    rest = text[m.end():].lstrip(" :")
    row = read_row(rest) if rest else None
    if row is None or not row.codes or row.description is not None:
        return None
    systems = _systems(m.group("sys"))
    return (systems, rest) if systems else None


@_guarded(None)
def read_group(text: str) -> str | None:
    """The coverage group a line names, or None."""
    body = text.rstrip(":").strip()
    if not _rules().group_start(body) or len(body.split()) > 25 or \
            not _rules().any_group.match(body, timeout=limit(body, _TIMEOUT)):
        return None
    for gid, pat, whole in _rules().groups:
        tmo = limit(body, _TIMEOUT)
        m = pat.fullmatch(body, timeout=tmo) if whole else pat.match(body, timeout=tmo)
        if m:
            return gid
    return None


@_guarded(None)
def read_row(text: str) -> Row | None:
    """A code row: a code cell (codes, ranges, comma lists) and its description."""
    if ". " in text:  # (what `_SPLIT_DOT` needs)
        text = _SPLIT_DOT.sub(".", text)
    if not _rules().row_start(text):
        return None
    m = _rules().row.match(text, timeout=limit(text, _TIMEOUT))
    if not m:
        return None
    cell = m.group("cell")
    codes: list[tuple[str, str | None]] = []
    if _ONE_CODE.fullmatch(cell):
        # one code, the common cell: the code is the cell without its footnote marks (a code
        # runs over all the letters, digits and dots there, `bare` ends only at another
        # character), as the scan below would find it
        codes.append((cell.strip(_CELL_MARKS), None))
    else:
        for c in _rules().code.finditer(cell, timeout=limit(text, _TIMEOUT)):
            codes.append((c.group("a"), c.group("b") or c.group("c")))
    desc = (m.group("desc") or "").strip() or None
    dangle = m.group("dangle")
    dangle = (_plain_dashes(dangle.strip()) or None) if dangle else None
    return Row(tuple(codes), desc, dangle)


@_guarded(False)
def is_note(text: str) -> bool:
    r = _rules()
    return r.note_start(text) and r.any_note.match(text, timeout=limit(text, _TIMEOUT)) is not None


@_guarded(False)
def is_skipped(text: str) -> bool:
    r = _rules()
    if not r.skip_start(text):
        return False
    pat = r.any_skip_ascii if text.isascii() else r.any_skip
    return pat.match(text, timeout=limit(text, _TIMEOUT)) is not None


_SMALL_WORDS = frozenset({"a", "an", "and", "or", "of", "the", "to", "in", "for", "with", "by",
                          "on", "at", "from", "without", "vs", "+/-"})
# product and laboratory names (a PLA code's proprietary name line) are Title Case too
_PRODUCT = regex.compile(r"[®™]|\b(?:Inc|LLC|Ltd|Corp|Laborator(?:y|ies)|Labs?|Diagnostics)\b")


def _is_category_line(text: str) -> bool:
    """A short Title Case line with no final punctuation ("Arthroscopy, Surgical, Hip").

    Used only without PDF geometry, where a table's category sub-headings cannot be told
    from a wrapped description by their position.
    """
    if text[:1] in "[(":
        return False  # a bracketed qualifier goes with its code
    words = [w.strip(",;()[]") for w in text.split()]
    words = [w for w in words if w and w.lower() not in _SMALL_WORDS]
    if not words or len(words) > 8 or text.endswith((",", ";", ".", "-", ":")):
        return False
    if _PRODUCT.search(text):
        return False
    return all(w[:1].isupper() or not w[:1].isalpha() for w in words) and text[:1].isupper()


def _join(desc: str | None, more: str) -> str:
    if not desc:
        return more
    if desc.endswith("-") and len(desc) > 1 and desc[-2].isalpha():
        return desc + more
    return f"{desc} {more}"


# --- the state machine ------------------------------------------------------------------------


@dataclass(slots=True)
class _Entry:
    code: str
    code_end: str | None
    system: str
    first: Line
    last: Line
    description: str | None
    table: _Table
    dated: bool = False  # the table has date columns, interleaved with the description


@dataclass(slots=True)
class _Table:
    group: str
    heading: str | None
    system: str
    notes: list[str] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)
    first: Line | None = None
    last: Line | None = None

    def touch(self, line: Line) -> None:
        if self.first is None:
            self.first = line
        self.last = line


@dataclass(slots=True)
class _State:
    not_covered: str
    tables: list[_Table] = field(default_factory=list)
    block: dict[str, _Table] = field(default_factory=dict)  # system -> table, this group
    group: str | None = None
    heading: str | None = None
    systems: tuple[str, ...] = ()  # systems the current header allows; () = none named
    open: bool = False  # a header opened a table (rows accepted outside coding sections)
    coding: bool = False  # inside a coding section
    row: list[_Entry] = field(default_factory=list)  # entries of the row being read
    row_line: Line | None = None
    dangling: bool = False  # the code cell of the current row goes on
    pending_end: bool = False  # the cell ended with a dash: the next code closes a range
    code_x0: float | None = None  # PDF: x of the code column of the current table
    dated: bool = False  # the column header names dates ("Date Added", "Last Review")
    topic: str | None = None  # the last topic lead-in ("Genotyping for CYP2D6:")

    def set_group(self, group: str, heading: str | None) -> None:
        group = self.not_covered if group == NOT_COVERED else group
        if group == self.group and heading == self.heading:
            return  # the same group line repeated at the top of a page
        self.group = group
        self.heading = heading
        self.block = {}
        self.end_row()

    def end_row(self) -> None:
        self.row = []
        self.row_line = None
        self.dangling = False
        self.pending_end = False

    def close(self) -> None:
        self.end_row()
        self.group = None
        self.heading = None
        self.systems = ()
        self.open = False
        self.block = {}
        self.code_x0 = None
        self.dated = False
        self.topic = None

    def table(self, system: str, line: Line) -> _Table:
        t = self.block.get(system)
        if t is None:
            t = _Table(self.group or UNSPECIFIED, self.heading, system)
            if self.topic:
                t.notes.append(self.topic)
            self.block[system] = t
            self.tables.append(t)
        t.touch(line)
        return t


def _section_lines(ctx: Context) -> Iterator[tuple[Line, bool, bool, bool, bool]]:
    """(line, is_heading, opens a top-level section, inside a coding section, recovered).

    Between two kept lines, removed raw lines that read as a system header or a code row
    are given back, flagged `recovered` (see `_recoverable`).
    """
    prev: tuple[Line, bool] | None = None
    for line, is_heading, top, in_coding in _kept_lines(ctx):
        if prev is not None and line.index - prev[0].index > 1:
            for lost in ctx.raw.lines[prev[0].index + 1 : line.index]:
                if _recoverable(lost.text):
                    yield lost, False, False, prev[1], True
        prev = (line, in_coding)
        yield line, is_heading, top, in_coding, False


@lru_cache(maxsize=1024)
def _recoverable(text: str) -> bool:
    """A removed line worth giving back: a system header or a code row with a description.

    Boilerplate removal may take a table's header, even its rows, together with a notice
    ("CPT® is a registered trademark ..." followed by "HCPCS Code Description"); without
    the header the rows below would land in the previous system's table.
    Remembered: most removed lines are a page's running header or footer, the same on every
    page (a long policy repeats one a few hundred times).
    """
    text = _norm(text)
    header = read_header(text)
    if header is not None and header.systems:
        return True
    row = read_row(text)
    return row is not None and bool(row.codes) and row.description is not None


def _kept_lines(ctx: Context) -> Iterator[tuple[Line, bool, bool, bool]]:
    """(line, is_heading, opens a top-level section, inside a coding section)."""
    kinds = {s.id: s.kind for s in ctx.sections}
    parents = {s.id: s.parent for s in ctx.sections}

    def coding(node_id: int | None) -> bool:
        while node_id is not None:
            if kinds.get(node_id) == "coding":
                return True
            node_id = parents.get(node_id)
        return False

    chain = False
    for line in ctx.front:  # text before the first heading (all of it when none was found)
        yield line, False, False, False
    for s in ctx.sections:
        if s.kind in SKIP_KINDS or (s.parent is not None and kinds.get(s.parent) in SKIP_KINDS):
            if s.heading_line is not None:
                yield s.heading_line, True, True, False  # ends any table
            chain = False
            continue
        # a section the segmenter opened at a group or header line inside a code listing
        # ("May Be Medically Necessary When Criteria are Met") goes on with the listing
        in_coding = coding(s.id) or _codes_heading(s.heading) or (
            chain and s.heading is not None and _table_line(s.heading)
        )
        chain = in_coding
        if s.heading_line is not None:
            yield s.heading_line, True, s.level == 1, in_coding
        for line in s.lines:
            yield line, False, False, in_coding


def _table_line(text: str) -> bool:
    text = _norm(text)
    return read_header(text) is not None or read_group(text) is not None


def _codes_heading(heading: str | None) -> bool:
    """A section heading that names codes ("CPT Codes / HCPCS Codes", "HCPCS")."""
    if not heading:
        return False
    header = read_header(_norm(heading))
    return header is not None and (
        _CODE_WORD.search(heading) is not None or _EXPLICIT.match(heading) is not None
    )


def _mentions_investigational(ctx: Context) -> bool:
    """Does the document call services experimental or investigational (outside citations)?"""
    # one search over the lines joined: the words cannot span the line break
    text = "\n".join(ln.text for s in ctx.sections if s.kind not in SKIP_KINDS for ln in s.lines)
    return any(pat.search(text) is not None for pat in _INVESTIGATIONAL)


class _Reader:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        nc = "investigational_not_medically_necessary" if _mentions_investigational(ctx) \
            else "not_medically_necessary"
        self.st = _State(not_covered=nc)

    # one line -------------------------------------------------------------------------------
    def feed(self, line: Line, is_heading: bool, top: bool, in_coding: bool,
             recovered: bool = False, text: str | None = None,
             plain: bool | None = None) -> None:
        """`text`: the line normalised, and `plain`: `_plain(text)`, when known."""
        st = self.st
        text = _norm(line.text) if text is None else text
        if not text:
            return
        if recovered:  # a header or row the boilerplate removal took: nothing else
            st.coding = in_coding
            if not self._row(line, text):
                self._header_or_group(line, text)
            st.end_row()  # what went on with it was removed with it
            return
        if is_heading and not in_coding and top:
            st.close()
        if is_heading and in_coding and top and not st.coding:
            st.close()
        st.coding = in_coding
        # (the states tested first are those the two readers need: most lines are prose
        # outside any table)
        if st.row and self._continue_cell(line, text):
            return
        if (st.open or st.coding) and self._row(line, text):
            return
        plain = _plain(text) if plain is None else plain
        if not plain and self._labelled_list(line, text):
            return
        if not plain and self._header_or_group(line, text):
            return
        if is_heading:
            # a nested heading inside a table is often a category line the segmenter took
            # for a sub-section ("Computed Tomography" between CPT rows): the table goes on
            st.end_row()
            if not in_coding and top:
                st.close()
            return
        if not plain and is_skipped(text):
            st.end_row()
            return
        if st.open or st.coding:
            if is_note(text):
                self._note(line, text)
                return
            if st.row and self._continues(line, text):
                self._extend(line, text)
                return
            st.end_row()
            if _TOPIC.fullmatch(text) and len(text.split()) <= 14:
                st.topic = text  # "Genotyping for CYP2D6:": what the next tables are about
                st.block = {}  # ... so they are new tables
                return
            self._maybe_unparsed(line, text)

    # pieces ---------------------------------------------------------------------------------
    def _allowed(self) -> tuple[str, ...]:
        return self.st.systems or ROW_SYSTEMS

    def _continue_cell(self, line: Line, text: str) -> bool:
        """Lines that go on with a wrapped code cell.

        Code-only lines ("C7B.1, C76.0 -", "C86.61,") extend the cell; a line that opens
        with codes and goes on with lower-case or bracketed text continues both columns of a
        two-column wrap ("C24.1, C25.0 - esophagus, stomach, ..."), as does a line opening
        with the dash of a range ("- C43.9, C48.0 pancreas"). A line such as "81402 - Other
        test" after "81401 - Test" is a new row: its own description starts a new sentence.
        """
        st = self.st
        if not st.row:
            return False
        body = text
        # "- C43.9, C48.0 pancreas, ..." (the pattern opens with the dash)
        lead_dash = _LEAD_DASH.match(body) if body[:1] == "-" else None
        if lead_dash:
            body = body[lead_dash.end():]
        elif not st.dangling:
            return False
        row = read_row(body)
        if row is None:
            return False
        if row.description is not None and not (
            lead_dash or row.description[:1].islower() or row.description[:1] in "[("
        ):
            return False
        pending = st.pending_end or lead_dash is not None
        codes = list(row.codes)
        if pending and codes:
            first, first_end = codes.pop(0)
            last = st.row[-1]
            if first_end is None and last.code_end is None:
                last.code_end = first
            else:
                codes.insert(0, (first, first_end))
        anchor = st.row[0]
        for code, end in codes:
            self._add_entry(line, code, end, anchor.description, anchor.system)
        for e in st.row:
            e.last = line
            e.table.touch(line)
            if row.description is not None:
                e.description = _join(e.description, row.description)
        self._set_dangle(row)
        return True

    def _set_dangle(self, row: Row) -> None:
        """Remember how the code cell of `row` ended (see `_continue_cell`)."""
        st = self.st
        st.dangling = row.dangling
        st.pending_end = row.dangle == "-"

    def _row(self, line: Line, text: str) -> bool:
        st = self.st
        if not (st.open or st.coding):
            return False
        if st.code_x0 is not None and line.x0 is not None and line.x0 > st.code_x0 + 8:
            return False  # set at the description column: a wrapped description
        row = read_row(text)
        if row is None or not row.codes:
            return False
        allowed = self._allowed()
        systems = [infer_system(c, allowed) for c, _ in row.codes]
        if not all(systems):
            if not st.coding:
                return False  # outside a coding section every code must fit the header
            if any(s is None and infer_system(c, ROW_SYSTEMS) is None
                   for (c, _), s in zip(row.codes, systems, strict=True)):
                return False  # "CYP2C19 ...": seven characters are a PCS code only under its header
        if text.endswith(":") and row.description is not None:
            return False  # a lead-in ("CYP2C19 polymorphisms testing for fluoxetine:")
        if row.dangle == "," and row.description and _PROSE_TAIL.match(row.description):
            return False  # "81228, 81229, and 81479)." ends a sentence of prose
        st.end_row()
        if st.code_x0 is None and line.x0 is not None:
            st.code_x0 = line.x0
        for (code, end), system in zip(row.codes, systems, strict=True):
            if system is None:
                # the shape fits no system the header allows but that of another: the shape
                # is unambiguous (five digits are never ICD-10-CM), so it decides, flagged
                system = infer_system(code, ROW_SYSTEMS) or allowed[0]
                self.ctx.issue("I_CODE_SYSTEM_MISMATCH",
                               f"{code} under a {'/'.join(allowed)} header read as {system}",
                               (line.start, line.end))
            self._add_entry(line, code, end, row.description, system)
        st.row_line = line
        self._set_dangle(row)
        return True

    def _labelled_list(self, line: Line, text: str) -> bool:
        """"CPT Codes 81200, 81201, ...": a header and the first line of a code list."""
        found = read_labelled_list(text)
        if found is None:
            return False
        st = self.st
        st.end_row()
        st.systems, st.open, st.code_x0 = found[0], True, None
        done = self._row(line, found[1])
        st.code_x0 = None  # the list's own lines start left of the label's codes
        return done

    def _add_entry(self, line: Line, code: str, end: str | None, desc: str | None,
                   system: str) -> None:
        st = self.st
        table = st.table(system, line)
        e = _Entry(code, end, system, line, line, desc, table, st.dated)
        table.entries.append(e)
        st.row.append(e)

    def _header_or_group(self, line: Line, text: str) -> bool:
        st = self.st
        header = read_header(text)
        if header is not None:
            if not header.systems:
                # a column header, repeated at the top of a page: the table goes on, and so
                # may the row above it (a description or a code cell wrapped over the break)
                st.open = True
                st.dated = st.dated or _DATE_COLUMN.search(text) is not None
                return True
            if header.group is not None:
                st.set_group(header.group, text)
            st.end_row()
            st.systems = header.systems
            st.open = True
            st.code_x0 = None
            if len(header.systems) == 1:
                st.table(header.systems[0], line)
            return True
        group = read_group(text)
        if group is not None:
            st.set_group(group, text)
            st.systems = ()
            st.code_x0 = None
            if st.coding:
                st.open = True
            return True
        return False

    def _note(self, line: Line, text: str) -> None:
        st = self.st
        st.end_row()
        if len(st.systems) == 1:
            table = st.table(st.systems[0], line)
        elif st.tables and st.tables[-1] in st.block.values():
            table = st.tables[-1]
            table.touch(line)
        else:
            return
        table.notes.append(text)

    def _continues(self, line: Line, text: str) -> bool:
        """Does `line` go on with the description of the row being read?"""
        st = self.st
        first = st.row_line
        if first is None:
            return False
        if text.endswith(":") and text[:1].isupper() and len(text.split()) <= 12:
            return False  # a lead-in or sub-heading ("Genotyping for CYP2D6:")
        if line.x0 is not None and first.x0 is not None:
            if line.x0 < first.x0 - 3:
                return False  # left of the code column: a category line or prose
            if line.size and first.size and abs(line.size - first.size) > 0.6:
                return False  # other type: a footnote
            if line.bold and not first.bold:
                return False  # a bold sub-heading
        elif _is_category_line(text):
            return False  # plain text: a Title Case category line between rows
        desc = st.row[-1].description or ""
        if desc.endswith(".") and text[:1].isupper() and len(text.split()) > 12:
            return False  # a new sentence of prose after a finished description
        return True

    def _extend(self, line: Line, text: str) -> None:
        st = self.st
        for e in st.row:
            e.description = _join(e.description, text)
            e.last = line
            e.table.touch(line)
        st.dangling = False
        st.pending_end = False

    def _maybe_unparsed(self, line: Line, text: str) -> None:
        first = text.split(" ", 1)[0].rstrip(",;:")
        if first.isupper() and any(ch.isdigit() for ch in first) and \
                infer_system(first.split("-")[0], ROW_SYSTEMS) is not None:
            self.ctx.issue("I_CODE_ROW_UNPARSED", f"code-like line not read as a row: {text[:80]}",
                           (line.start, line.end))

    # output ---------------------------------------------------------------------------------
    def tables(self) -> list[CodeTable]:
        out: list[CodeTable] = []
        for t in self.st.tables:
            if not t.entries and not t.notes:
                continue
            entries = [self._entry(e) for e in t.entries]
            span = (t.first.start, t.last.end) if t.first and t.last else None
            out.append(CodeTable(group=t.group, group_heading=t.heading, system=t.system,
                                 notes=t.notes, entries=entries, span=span))
        return out

    def _entry(self, e: _Entry) -> CodeEntry:
        valid, expanded, problem = validate(e.system, e.code, e.code_end)
        span = (e.first.start, e.last.end)
        if problem:
            self.ctx.issue("I_CODE_INVALID", problem, span)
        desc = e.description
        if desc and e.dated:
            desc = _DATE.sub("", desc)
        desc = _norm(desc).lstrip(",;- ").strip() if desc else None
        return CodeEntry(code=e.code, code_end=e.code_end, description=desc or None, valid=valid,
                         expanded=expanded, span=span, page=e.first.page)


def _plain(text: str) -> bool:
    """Is `text` surely not a labelled list, header, group line or skipped line? Those read
    the line (marks and a final colon dropped) from its start: where nothing is dropped, none
    of their patterns matching there, nor a column header, means none."""
    # (`_has_marks` and `_column_header`'s first test written out: this runs on every line
    # outside a table, most of them prose, where a call costs more than the tests)
    if text.endswith(":") or _ASCII_MARK in text or (
        not text.isascii() and _MARKS.search(text) is not None
    ):
        return False
    if "code" in text.lower() and _column_header(text):
        return False
    r = _rules()
    if not r.line_start(text):
        return True
    gate = r.line_gate_ascii if text.isascii() else r.line_gate
    try:
        return gate.match(text, timeout=limit(text, _TIMEOUT)) is None
    except TimeoutError:
        return False


def extract(ctx: Context) -> list[CodeTable]:
    reader = _Reader(ctx)
    st = reader.st
    for line, is_heading, top, in_coding, recovered in _section_lines(ctx):
        text = _norm(line.text)
        if is_heading or in_coding or recovered or st.coding or st.open or st.row:
            reader.feed(line, is_heading, top, in_coding, recovered, text)
        elif not _plain(text):
            reader.feed(line, is_heading, top, in_coding, recovered, text, False)
        # else: outside any table, a plain line changes nothing (`feed` would read it so)
    return reader.tables()

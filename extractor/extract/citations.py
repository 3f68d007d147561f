"""In-text author-year citations and the parsed reference list, linked to each other.

Reference lists
  1. A list lives in sections of kind `references` (or any section whose heading is a list
     heading in rules/citations.toml, "Reference List", "Literature Cited"). The whole body is
     the list when the section's heading (or its parent's) opens a list or names a category;
     otherwise only the stretch after a standalone list-heading line ("Sources of Information",
     "Bibliography") is, up to a stop heading ("Associated Information") - CMS LCDs keep several
     lists and other material under one "General Information" heading. In a section of another
     kind, a list-heading line opens a list only when an entry follows it. Sections of kind
     `websites` hold further reading, not the works the document cites: they are read only
     when a document has no reference list at all.
  2. Subheadings group a list: a nested section heading or a standalone short line, mapped to a
     category id by the rules ("Peer Reviewed Publications:" -> `peer_reviewed`); an unknown
     subheading ("BRCA Testing": bold, or outdented from the labels in a PDF, or a title-case
     line without digits in text) is kept as written.
  3. Numbered lists: an entry starts at a label "1." / "[1]" (alone on its line too) that
     continues the sequence (previous + 1 to + 3, or 1 when a group restarts); wrapped lines,
     lettered sub-items and unnumbered sub-items all continue the entry ("10. Canberra" in the
     middle of entry 221 does not start one). Text before the first label is an introduction.
  4. Unnumbered lists (one reference per paragraph): an entry starts after a blank gap (when
     gaps separate paragraphs, not every line), or, at a page break or where gaps say nothing,
     where the previous line ends an entry (full stop, closing digit or bracket) and the line
     opens with an author ("Surname AB," "Surname, A.", "Society Name." not followed by a year).
     An opening prose paragraph ("The above policy is based on ...", "On <date>, we searched
     ...": a function word first and mostly lower-case words) is an introduction, not an entry,
     and an unnumbered paragraph counts only if it names a work (a year, URL or identifier); a
     numbered entry counts by its label.
  5. Fields: DOI, PMID and URL by pattern (a URL broken at a line end after "/", "?", "=" or "-"
     is rejoined); authors from the leading Vancouver list ("Smith AB, Jones C, et al.") or APA
     list ("Smith, A. B., & Jones, C.") or else the leading organisation name; year, journal,
     volume and pages from the journal block ("Journal. 2021; 8(1):12-19.", the journal running
     back to the previous sentence end, not "Version 2.2024") or APA "Journal, 26(4), 100422.";
     otherwise the year is the first one outside "Accessed ...".

In-text citations
  6. Sections other than reference lists, websites, history, index and coding are scanned, and
     only brackets holding a four-digit year reach the parsers - a page footer ("Page 3 of 12")
     or a bare date never does.
  7. Parenthetical: "(A, 2009; B and C, 2013; D et al., 2010a, b)" splits at ";" and after a year
     followed by a new name ("Tracy, 2012 and Yancy, 2013") into one citation per author-year
     pair; leading lower-case words ("see also", "e.g.,") are dropped; an author part with a
     date word (month, "updated", "version"), a digit or a measure is not a citation, unless the
     reference list names that word as a first author ("(Jan, 2005)"). An organisation name led
     by a listed acronym cites the acronym ("(FDA Product Information Label, 2019)" -> FDA).
  8. Narrative: a year-only bracket "(2013)" cites what stands right before it: a defined
     acronym "(ACOG) (2009)", surnames ("Sayegh and Strauch", "A et al., B, and C") optionally
     followed by "et al." or "and colleagues", or an organisation name ("U.S. Preventive
     Services Task Force (2006)"). A lone surname, or a surname and a noun ("the Hughes study
     (2013)"), counts only where the reference list names it (or there is no list). Failing
     those, the organisation the sentence names first, outside quotation marks - a listed
     acronym before a document-defined one before a name ("The ACOG's Committee Opinion on
     "..." (2020)"). Without brackets: "In 2019, Smith and colleagues", "published in 2021 by
     Smith and colleagues", "by Smith in 2011" (8b).
  9. Organisations cited by acronym come from a rule list plus the acronyms the document defines
     after a name whose initials spell them ("European Society of ... Embryology (ESHRE)").
 10. Each citation links to the reference whose first author (surname, organisation name, or its
     acronym or initials) and year match; year suffixes pick among same-author same-year works
     in list order; a near spelling (edit ratio >= 85) or a surname inside a compound surname
     also links; failing a year match, the same author with the year anywhere in the entry (a
     web page cited by its update year).
 11. The sentence a citation supports comes from the blank spaCy pipeline (extractor.nlp), in
     one pass over the stretches of the paragraphs that hold citations (two candidate sentence
     breaks either side), of which the pipeline reads only what its token rules must settle
     (extractor.nlp rules 3-4); a "sentence" over 1,500 characters is none.
 12. A pattern that times out on pathological text loses that entry's fields or that section's
     citations, never the document.
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache

import regex
from rapidfuzz import fuzz

from extractor.context import Context
from extractor.document import Line
from extractor.models.contract import Citation, Reference
from extractor.rules import load
from extractor.segment.paragraphs import is_double_spaced
from extractor.segment.sections import SectionNode, lexicon
from extractor.textmap import TextMap
from extractor.textutil import alternation, fold, limit

T = 0.2  # regex timeout (s) for the few patterns that scan free text

YEAR = r"(?:19\d\d|20[0-4]\d)(?:[a-z](?![\p{L}]))?"
_MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
_SKIP_KINDS = frozenset({"references", "websites", "history", "index", "coding"})
_NUM_LABEL = regex.compile(r"^(?:\[(\d{1,3})\]|(\d{1,3})[.)])(?:\s+(?=\S)|\s*$)")
_HEAD_NUMBER = regex.compile(r"^(?:[IVXL]{1,5}|\d{1,2}|[A-Z])[.)]\s+")
_ENDS_ENTRY = regex.compile(r"(?:[.)\]>]|\d|\d[-–]\d+|[A-Za-z]\d+)\s*$")
_PROSE_OPEN = regex.compile(r"^(?i:the|this|these|on|we|our|in|for|all|please|note|as|to)\b\s")
_AUTHOR_START = regex.compile(
    r"^(?:(?:van|von|de|der|den|del|da|di|du|le|la|ter|dos)\s)?[\p{Lu}][\p{L}'’\-]+"
    r"(?:\s[\p{Lu}][\p{L}'’\-]+)?\s[\p{Lu}]{1,4}(?:\s(?:Jr|Sr|II|III))?[,.;]"  # Vancouver
    r"|^[\p{Lu}][\p{L}'’\-]+(?:\s[\p{Lu}][\p{L}'’\-]+)?,\s(?:[\p{Lu}]\.\s?)+"  # APA
    r"|^[\p{Lu}][\p{L}&'’\-]*(?:\s+(?:of|for|and|the|on|&|[\p{Lu}][\p{L}&'’\-.]*)){0,10}"
    r"(?:\s\([\p{Lu}&/\-]{2,12}\))?\.\s(?!\d)"  # organisation (not "Journal. 2020;")
)
_DOI = regex.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", regex.I)
_PMID = regex.compile(r"\bPMID:?\s*(\d{5,9})\b", regex.I)
_URL = regex.compile(r"(?:https?://|www\.)[^\s<>\"]+", regex.I)
_URL_CONT = regex.compile(r"^\s([^\s<>\"]+)")
_ACCESSED = regex.compile(r"\b(?:accessed|retrieved|cited)\b[^.;\]]*", regex.I)
_ANY_YEAR = regex.compile(r"(?<![\d/.\-])(" + YEAR + r")(?![\d/\-])")
# "Journal. 2021; 8(1):12-19."  "Journal. Aug 01 2006; 145(3): 209-23."  "Journal. 2024 Jul 29:e1"
_MON = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Spring|Summer|Fall|Winter)[a-z]*"
_JOURNAL_END = regex.compile(  # the full stop ending a journal name, and what follows it
    rf"\.\s*(?:{_MON}\.?\s+)?(?:\d{{1,2}},?\s+)?"
    rf"(?P<year>(?:19|20)\d\d[a-z]?)(?:\s+{_MON}(?:[/\-]{_MON})?(?:\s+\d{{1,2}})?)?"
    r"\s*[;:.,]\s*(?P<volume>\d+[A-Za-z]?(?:\s*Suppl\s*\d*)?)?\s*(?:\((?P<issue>[^)]{1,20})\))?"
    r"\s*(?::\s*(?P<pages>[A-Za-z]*\d[\w\-–.]*?))?(?=[.;,\s]|$)"
)
_NOT_JOURNAL = regex.compile(
    r"(?i:version|updated|last|accessed|available|retrieved|published|reviewed|revised|no\b|"
    r"number|issued|effective)|\P{L}*$"
)
# APA: "(2022). Title. Journal, 26(4), 100422."
_APA_YEAR = regex.compile(r"^(?P<authors>.{2,400}?)\s*\((?P<year>" + YEAR + r")[^)]{0,20}\)\.?\s")
_APA_JOURNAL = regex.compile(
    r"(?<=[.?!])\s+(?P<journal>[\p{Lu}][^.?!]{2,120}?),\s*(?P<volume>\d+)(?:\((?P<issue>[^)]{1,20})\))?"
    r",\s*(?P<pages>[A-Za-z]*\d[\w\-–]*)"
)
_VANC_PERSON = regex.compile(
    r"^(?P<sur>(?:[\p{L}'’\-]+\s){0,2}[\p{L}'’\-]*[\p{L}])\s(?P<ini>[\p{Lu}]{1,4})(?:\s(?:Jr|Sr|II|III|IV))?\.?$"
)
_APA_PERSON = regex.compile(
    r"([\p{Lu}][\p{L}'’\-]+(?:\s[\p{Lu}][\p{L}'’\-]+)?),\s(?:[\p{Lu}]\.\s?-?){1,3}"
)
_ABBREV_DOT = regex.compile(
    r"(?<!\b(?:[\p{Lu}]|Dept|Inc|Co|St|No|Univ|Natl|Assoc|Corp|Ltd|Intl|Jr|Sr|Dr))\.\s+(?=[\p{Lu}\d\"“(\[])"
)
_PAREN_ACRONYM = regex.compile(r"\(([\p{Lu}][\p{Lu}\d&/\-]{1,11})\)")
# (`re`: no Unicode class, so it reads the same as in the regex module, at half the call cost)
_PAREN = re.compile(r"[(\[]([^()\[\]]{1,400})[)\]]")
# (`re` for the patterns that read the same in it, \d being Unicode Nd in both: its calls
# cost half.) Four digits, 19xx or 20xx, not inside a longer number: led by the digits, not by
# the look-behind, so that the scan jumps between 1s and 2s (five times faster on a section).
_HAS_YEAR = re.compile(r"(?:19|20)(?<!\d{3})\d\d(?!\d)")
_YEARS_ONLY = regex.compile(r"^\s*(" + YEAR + r")(?:\s*(?:,|;|and|&)\s*(" + YEAR + r"|[a-z]))*\s*$")
_YEARS_TAIL = regex.compile(
    r"(?:^|[\s,])(?P<years>" + YEAR + r"(?:\s*,\s*(?:" + YEAR + r"|[a-z](?![\p{L}])))*)"
    r"(?:\s*,\s*(?:p|pp|page|pages)\.?\s*[\w\-–]+)?\s*$"
)
_YEAR_TOKEN = regex.compile(YEAR + r"|(?<=,\s*)[a-z](?![\p{L}])")
_LONE_YEAR = re.compile(r"(?:19\d\d|20[0-4]\d)[a-z]?")  # a YEAR alone: nothing follows it
_QUOTED = regex.compile(r"[“\"][^”\"]{0,300}[”\"]")
_DIGIT = re.compile(r"\d")
_AUTHORS_END = regex.compile(r"\bet\.?\s?al\b\.?|\.\s|;|\.$")
_SPACES = regex.compile(r"\s+")
_IDENTIFIER = regex.compile(r"\b(?:NCT\d+|No\.\s*\d+|Available)")
_NOT_UPPER = regex.compile(r"[^\p{Lu}]")
_WORD_SEP = regex.compile(r"[\s,]+")
_ET_AL_TAIL = regex.compile(r"\s*,?\s*\bet\.?\s*al\b\.?,?$")
_THE = regex.compile(r"^(?:the|The)\s+")
_WORD_RUN = re.compile(r"\w+")
_NOT_NAME_CHAR = re.compile(r"[\d=<>%+:/?!\"“”]")
_ACRONYM = regex.compile(r"[\p{Lu}][\p{Lu}&\-]{1,11}")
_ROMAN = regex.compile(r"[IVXL]+")
_INITIALS = regex.compile(r"\p{Lu}{1,2}")
_CAP_WORD = regex.compile(r"\p{Lu}\p{Ll}+")  # "Smith" (not "III", "CPT")
_ORG_TAIL = regex.compile(r"(?:\s+(?:of|for|and|on|the|&))+$|['’]s?$")
_POSSESSIVE = regex.compile(r"['’]s?(?=\s|$)")
_AND = regex.compile(r"\band\b|&")
_NAME_SEP = regex.compile(r"\s*,\s*(?:and\s+|&\s*)?|\s+and\s+|\s*&\s*|\s+et\.?\s+al\b\.?")


# --- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Rules:
    list_headings: frozenset[str]
    list_anchors: tuple[str, ...]  # a word of every list heading (see _anchors)
    stop_headings: frozenset[str]
    intro: tuple[regex.Pattern[str], ...]
    categories: tuple[tuple[str, regex.Pattern[str]], ...]
    any_category: regex.Pattern[str]  # their alternation: one call where none matches
    collectives: str  # alternation of patterns
    collective_word: regex.Pattern[str]
    work_nouns: frozenset[str]
    not_author: frozenset[str]
    not_surname: frozenset[str]
    org_keywords: regex.Pattern[str]
    org_keywords_lower: re.Pattern[str]  # the same, for lower-cased ASCII text (_names_org)
    org_words: frozenset[str]  # the keywords of one word, lower-cased
    # those that are runs of word characters, and the others (lower-cased), for _names_org
    org_tokens: frozenset[str]
    org_phrases: tuple[str, ...]
    acronyms: frozenset[str]
    name: str  # one surname (pattern text)
    particles: frozenset[str]


@cache
def _rules() -> _Rules:
    data = load("citations")
    names = data["names"]
    particles = frozenset(names["particles"])
    # particles in either case ("van Dyck", "Van den Bruel"), up to two of them
    part = "|".join(
        f"[{p[0].upper()}{p[0]}]{regex.escape(p[1:])}"
        for p in sorted(particles, key=len, reverse=True)
    )
    name = (
        rf"(?:(?:{part})\s+){{0,2}}(?:(?:Mc|Mac|O['’]|D['’])?[\p{{Lu}}][\p{{L}}'’\-]*\p{{Ll}}[\p{{L}}'’\-]*"
        rf"|[\p{{Lu}}]['’][\p{{Lu}}][\p{{L}}'’\-]*)"
    )
    org = "|".join(sorted(map(regex.escape, data["orgs"]["keywords"]), key=len, reverse=True))
    org_lower = "|".join(sorted((re.escape(k.lower()) for k in data["orgs"]["keywords"]),
                                key=len, reverse=True))
    list_headings = frozenset(fold(h) for h in data["lists"]["headings"])
    return _Rules(
        list_headings=list_headings,
        list_anchors=_anchors(list_headings),
        stop_headings=frozenset(fold(h) for h in data["lists"]["stop_headings"]),
        intro=tuple(regex.compile(p, regex.I) for p in data["lists"]["intro_patterns"]),
        categories=tuple(
            (c["id"], regex.compile(c["pattern"], regex.I)) for c in data["categories"]
        ),
        any_category=regex.compile(alternation([c["pattern"] for c in data["categories"]]),
                                   regex.I),
        collectives="|".join(names["collectives"]),
        collective_word=regex.compile("|".join(names["collectives"])),
        work_nouns=frozenset(names["work_nouns"]),
        not_author=frozenset(names["not_author"]) | frozenset(_MONTHS),
        not_surname=frozenset(names["not_surname"]) | frozenset(_MONTHS),
        org_keywords=regex.compile(rf"\b(?:{org})\b", regex.I),
        org_keywords_lower=re.compile(rf"\b(?:{org_lower})\b"),
        org_words=frozenset(k.lower() for k in data["orgs"]["keywords"] if " " not in k),
        org_tokens=frozenset(k.lower() for k in data["orgs"]["keywords"]
                             if _WORD_RUN.fullmatch(k.lower())),
        org_phrases=tuple(k.lower() for k in data["orgs"]["keywords"]
                          if not _WORD_RUN.fullmatch(k.lower())),
        acronyms=frozenset(data["orgs"]["acronyms"]),
        name=name,
        particles=particles,
    )


# Typographic punctuation and spaces: like ASCII punctuation, neither a word character (for
# \b, in `re` and in the regex module) nor cased, so that in a text holding no other non-ASCII
# character, the lower case of its words is their fold() and their IGNORECASE reading.
_NOT_PLAIN = re.compile(
    "[^\x00-\x7f\u2018\u2019\u201c\u201d\u2013\u2014\u00a0\u2026\u00ae\u2122\u00a9\u2022]"
)


def _plain(text: str) -> bool:
    """Is `text` ASCII but for typographic punctuation?"""
    return text.isascii() or _NOT_PLAIN.search(text) is None


def _names_org(text: str) -> bool:
    """Does `text` hold an organisation keyword (rules: orgs.keywords)? Text that is ASCII but
    for typographic punctuation is read lower cased by `re` without IGNORECASE, which compares
    ASCII letters exactly as the regex module's case-insensitive match does, four times faster
    (a name, a 120-character window)."""
    r = _rules()
    if text.isalpha() and text.isascii():  # one word: the keyword must be the whole of it
        return text.lower() in r.org_words
    if _plain(text):
        low = text.lower()
        # "\bkeyword\b" matches a keyword of word characters exactly where it is a whole run
        # of them: one split into runs and a set test (a scan of the alternation tries every
        # position, twice the cost on a window); the other keywords must stand in the text
        if not r.org_tokens.isdisjoint(_WORD_RUN.findall(low)):
            return True
        if not any(p in low for p in r.org_phrases):
            return False
        return r.org_keywords_lower.search(low) is not None
    return r.org_keywords.search(text, timeout=limit(text, T)) is not None


def _anchors(headings: frozenset[str]) -> tuple[str, ...]:
    """Few words such that every heading holds one of them (a heading's longest word unless it
    already holds a chosen one): a text whose folded form holds none of them has no line whose
    heading key is one of `headings` (a key is the fold of a piece of its line)."""
    out: list[str] = []
    for h in sorted(headings, key=lambda h: (len(h), h)):
        if not any(a in h for a in out):
            out.append(max(h.split(), key=len))
    return tuple(out)


def _may_hold_list_heading(lines: list[Line]) -> bool:
    """Could a line be a list heading? Settled for ASCII text in one scan (fold() of ASCII
    text is its lower case); other text is read line by line (folding it, or even testing
    which characters it holds, costs about as much)."""
    # (a heading is at most 120 characters: longer lines are no candidates)
    joined = " ".join(t for ln in lines if len(t := ln.text) <= 120 or len(t.strip()) <= 120)
    return not joined.isascii() or any(a in joined.lower() for a in _rules().list_anchors)


def _head_key(text: str) -> str:
    key = " ".join(text.split())[:300]  # white space folded, length bounded
    if number := _HEAD_NUMBER.match(key):
        key = key[number.end():]
    # the tail "(?:\s+top)?[\s:.\-–]*$" (case-insensitive) dropped by string methods: a
    # regex search for it tries every position (ten times the cost on a line)
    key = key.rstrip(" :.-–")
    if key[-4:].lower() == " top":
        key = key[:-4]
    return fold(key)


def _is_list_heading(text: str) -> bool:
    if len(text.split()) > 6:
        return False
    key = _head_key(text)
    return key in _rules().list_headings


@dataclass(frozen=True, slots=True)
class _Head:
    """What a heading, or a short line in a list, says for heuristics 1-2."""

    opens: bool  # a list heading ("References")
    stops: bool  # a stop heading ("Associated Information")
    category: str | None  # a category subheading ("Peer Reviewed Publications:" -> peer_reviewed)


def _head(text: str) -> _Head:
    """The three readings of `text`, from one heading key."""
    n = len(text.split())
    if n > 14:
        return _Head(False, False, None)
    r = _rules()
    key = _head_key(text)
    category = None
    if (not _NUM_LABEL.match(text) and text[:1].isupper() and "http" not in text
            and r.any_category.fullmatch(key, timeout=limit(key, T))):
        category = next(
            (cid for cid, pat in r.categories if pat.fullmatch(key, timeout=limit(key, T))), None
        )
    return _Head(n <= 6 and key in r.list_headings, n <= 8 and key in r.stop_headings, category)


_section_head = lru_cache(maxsize=1024)(_head)  # section headings recur from document to document


# --- reference lists -------------------------------------------------------------------------


@dataclass(slots=True)
class _Run:
    """A stretch of lines holding (part of) a reference list, and its category."""

    lines: list[Line]
    category: str | None


def _runs_of(node: SectionNode, parent: SectionNode | None, strict: bool = False) -> list[_Run]:
    """Heuristic 1-2: the list stretches of one section, with their categories. `strict` (a
    section of another kind): a list-heading line opens a list only if an entry follows it."""
    head = node.heading or ""
    top = lexicon("guideline").top
    h = _section_head(head)
    category = h.category
    if parent is not None and parent.kind == "references":
        ph = _section_head(parent.heading or "")
        parent_lists = ph.opens or top(parent.heading or "") == "references" and not ph.stops
    else:
        parent_lists = False
    active = (
        h.opens
        or (category is not None and not strict)
        or (not h.stops and top(head) == "references")
        or (parent_lists and not h.stops)
    )
    if category is None and not h.opens and parent_lists and head:
        category = head.strip().rstrip(":")
    if strict and not active and not _may_hold_list_heading(node.lines):
        return []  # (speed) only a list-heading line could open a list here, and none can
    runs: list[_Run] = []
    current: list[Line] = []

    def flush() -> None:
        nonlocal current
        if current:
            runs.append(_Run(current, category))
        current = []

    lines = node.lines
    for i, ln in enumerate(lines):
        text = ln.text.strip()
        if strict and not active:
            # (speed) before a list opens, only a list heading changes anything: the same
            # tests as below, the cheap word count before the label pattern
            if (len(text) > 120 or not text[:1].isupper() or len(text.split()) > 6
                    or _NUM_LABEL.match(text) or not _is_list_heading(text)):
                continue
        elif len(text) > 120 or not text[:1].isupper() or _NUM_LABEL.match(text):
            if active:  # an entry line: no heading is this long, numbered or lower-case
                current.append(ln)
            continue
        h = _head(text)
        if h.opens:
            flush()
            nxt = lines[i + 1].text if i + 1 < len(lines) else ""
            active = not strict or bool(_NUM_LABEL.match(nxt) or _AUTHOR_START.match(nxt))
            continue
        if h.category is not None and (active or not strict):
            flush()
            category, active = h.category, True
            continue
        if h.stops:
            flush()
            active = False
            continue
        if active:
            current.append(ln)
    flush()
    return runs


Entries = list[tuple[list[Line], str | None]]  # (lines, category) per reference


def _is_list_section(node: SectionNode) -> bool:
    return node.kind == "references" or _section_head(node.heading or "").opens


def _reference_runs(ctx: Context) -> list[_Run]:
    runs: list[_Run] = []
    for node in ctx.sections:
        parent = ctx.sections[node.parent] if node.parent is not None else None
        if _is_list_section(node):
            runs.extend(_runs_of(node, parent))
        elif node.kind not in _SKIP_KINDS:
            # a list whose heading the segmenter did not know ("Literature Cited")
            runs.extend(_runs_of(node, parent, strict=True))
    if runs:
        return runs
    for node in ctx.sections:  # heuristic 1: websites only where no list exists
        if node.kind == "websites":
            runs.extend(_Run(r.lines, r.category or "website") for r in _runs_of(node, None))
    return runs


def _label_number(text: str) -> int | None:
    m = _NUM_LABEL.match(text)
    if not m:
        return None
    return int(m.group(1) or m.group(2))


_TITLE_WORD = regex.compile(r"^(?:[\p{Lu}][\p{L}'’\-/&]*|of|for|and|or|the|in|on|with|to|a|an|&)$")


def _is_subheading(lines: list[Line], i: int, numbered: bool) -> bool:
    """A short title line between entries ("BRCA Testing") groups what follows: set in bold,
    or (PDF) outdented from the entry labels, or (text) a title-case line without digits."""
    ln = lines[i]
    text = ln.text.strip()
    if (
        len(text.split()) > 10 or text.endswith((".", ",", ";", ":")) or not text[:1].isupper()
        or "http" in text or "www." in text or i + 1 >= len(lines) or _is_intro(text)
    ):
        return False
    nxt = lines[i + 1]
    if numbered and _label_number(nxt.text) is None:
        return False
    if not numbered and _AUTHOR_START.match(nxt.text) is None:
        return False
    prev = lines[i - 1].text.strip() if i else ""
    if prev and _ENDS_ENTRY.search(prev) is None and not prev.endswith(":"):
        return False
    if ln.bold and not nxt.bold:
        return True
    if ln.x0 is not None and nxt.x0 is not None:
        return numbered and ln.x0 < nxt.x0 - 2
    return not _DIGIT.search(text) and all(_TITLE_WORD.match(w) for w in text.split())


def _split_numbered(lines: list[Line], category: str | None) -> Entries:
    """Heuristic 3."""
    entries: list[tuple[list[Line], str | None]] = []
    last: int | None = None
    current: list[Line] | None = None
    for i, ln in enumerate(lines):
        n = _label_number(ln.text)
        # the next number (a list may skip one or two), or 1 where a group restarts
        if n is not None and (last is None or last < n <= last + 3 or n == 1):
            current = [ln]
            entries.append((current, category))
            last = n
            continue
        if n is None and _is_subheading(lines, i, True):
            category = ln.text.strip().rstrip(":")
            current = None
            continue
        if current is not None:
            current.append(ln)
    return entries


def _is_intro(text: str) -> bool:
    """A line introducing the list ("The above policy is based on ...:", "On <date>, we
    searched ..."): an intro pattern, or prose - an opening function word and mostly
    lower-case words, where an entry is mostly names and capitalised title words."""
    if any(p.search(text, timeout=limit(text, T)) for p in _rules().intro):
        return True
    if not _PROSE_OPEN.match(text) or _AUTHOR_START.match(text):
        return False
    words = [w for w in text.split()[:10] if w[:1].isalpha()]
    return len(words) >= 5 and sum(w[:1].islower() for w in words) >= 0.5 * len(words)


def _split_unnumbered(lines: list[Line], category: str | None) -> Entries:
    """Heuristic 4."""
    gapped = sum(1 for ln in lines[1:] if ln.gap_before > 0)
    # a blank line after every line (text extracted double spaced) carries no entry signal
    use_gaps = not (is_double_spaced(lines) or (len(lines) >= 3 and gapped > 0.6 * len(lines[1:])))
    entries: list[tuple[list[Line], str | None]] = []
    current: list[Line] | None = None
    in_intro = False
    for i, ln in enumerate(lines):
        text = ln.text.strip()
        prev = lines[i - 1] if i else None
        gap = prev is None or (use_gaps and ln.gap_before > 0)
        ends = prev is not None and _ENDS_ENTRY.search(prev.text) is not None
        if in_intro:
            in_intro = not (ends or gap)
            if in_intro:
                continue
        if (gap or ends) and not entries and _is_intro(text):
            in_intro = not text.endswith((".", ":", "]"))
            current = None
            continue
        if _is_subheading(lines, i, False):
            category = text.rstrip(":")
            current = None
            continue
        opens = ends and _AUTHOR_START.match(text) is not None
        if prev is not None and use_gaps and ln.page == prev.page and not gap:
            opens = False  # inside a page, PDF paragraph gaps are the reliable signal
        if current is None or gap or opens:
            current = [ln]
            entries.append((current, category))
        else:
            current.append(ln)
    return entries


def _join(lines: list[Line]) -> TextMap:
    seps = []
    for prev in lines[:-1]:
        t = prev.text
        seps.append("" if t.endswith("-") and len(t) > 1 and t[-2].isalpha() else " ")
    return TextMap(lines, seps)


def _url(text: str) -> str | None:
    m = _URL.search(text)
    if not m:
        return None
    url, end = m.group(0), m.end()
    while url[-1] in "/?=&-_" and (c := _URL_CONT.match(text, end)):
        piece = c.group(1)
        if piece[:1].isupper() and "/" not in piece and "=" not in piece:
            break
        url, end = url + piece, c.end()
    return url.rstrip(".,;)")


def _org_name(text: str) -> tuple[str, int]:
    """The leading organisation name and where it ends (at the first real full stop)."""
    m = _ABBREV_DOT.search(text, timeout=limit(text, T))
    end = m.start() if m else len(text)
    return text[:end].strip(), end


def _apa_year(text: str) -> regex.Match[str] | None:
    """_APA_YEAR's match: none without "(19" or "(20" (a literal test first: the pattern's
    lazy author run is tried at up to 400 lengths)."""
    if "(19" not in text and "(20" not in text:
        return None
    return _APA_YEAR.match(text, timeout=limit(text, T))


def _authors(text: str, apa: regex.Match[str] | None) -> tuple[list[str], int]:
    """Leading author list (surnames, or one organisation) and the offset where it ends;
    `apa` is _apa_year(text)."""
    if apa and (people := _APA_PERSON.findall(apa.group("authors"))):
        return people, apa.end()
    stop = _AUTHORS_END.search(text, timeout=limit(text, T))
    end = stop.end() if stop else len(text)
    seg = text[: stop.start()] if stop else text
    names: list[str] = []
    for item in (x.strip() for x in seg.split(",")):
        m = _VANC_PERSON.match(item)
        if not m:
            break
        names.append(m.group("sur"))
    if names and len(seg) < 600:
        return names, end
    org, end = _org_name(text)
    if apa and len(apa.group("authors")) < len(org):
        org, end = apa.group("authors").rstrip(". "), apa.end()
    org = _SPACES.sub(" ", _PAREN_ACRONYM.sub("", org)).strip(" .,")
    ok = org and len(org) <= 200 and org[:1].isalpha()
    return ([org] if ok else []), end


def _year(text: str, after: int) -> str | None:
    body = _ACCESSED.sub(" ", text[after:])
    m = _ANY_YEAR.search(body) or _ANY_YEAR.search(_ACCESSED.sub(" ", text))
    return m.group(1) if m else None


def _journal_block(raw: str, start: int) -> tuple[int, regex.Match[str]] | None:
    """'Journal. 2021; 8(1):12-19' after `start`: (where the journal name starts, the match
    from its closing full stop). The name runs back to the previous sentence end."""
    for m in _JOURNAL_END.finditer(raw, start, timeout=limit(raw, T)):
        j0 = max(raw.rfind(stop, start, m.start()) for stop in (". ", "? ", "! "))
        j0 = start if j0 < 0 else j0 + 2
        journal = raw[j0:m.start()].strip()
        if 2 <= len(journal) <= 120 and not _NOT_JOURNAL.match(journal):
            return j0, m  # not "Version 2.2024" nor "Last updated 2015"
    return None


def _parse_reference(raw: str) -> dict[str, object]:
    """Heuristic 5: the fields of one reference entry."""
    out: dict[str, object] = dict.fromkeys(
        ("year", "title", "journal", "volume", "pages", "doi", "pmid", "url")
    )
    if m := _DOI.search(raw):
        out["doi"] = m.group(1).rstrip(".,;)")
    if m := _PMID.search(raw):
        out["pmid"] = m.group(1)
    out["url"] = _url(raw)
    apa = _apa_year(raw)
    authors, end = _authors(raw, apa)
    out["authors"] = authors
    block = _journal_block(raw, max(end - 1, 0))
    if apa:
        out["year"] = apa.group("year")
        j = _APA_JOURNAL.search(raw, apa.end() - 1, timeout=limit(raw, T))
        title_end = j.start() if j else len(raw)
        out["title"] = raw[apa.end():title_end].strip().rstrip(".") or None
        if j:
            out.update(journal=j.group("journal").strip(), volume=j.group("volume"),
                       pages=j.group("pages"))
    elif block:
        j0, m = block
        out["year"] = m.group("year")
        out["journal"] = raw[j0:m.start()].strip()
        out["volume"] = m.group("volume")
        out["pages"] = m.group("pages")
        out["title"] = raw[end:j0].strip(" .,;") or None
    else:
        out["year"] = _year(raw, end)
        rest = raw[end:].strip()
        out["title"] = _org_name(rest)[0].strip(" .,;") or None if rest else None
    return out


def _entries(run: _Run) -> Entries:
    numbered = sum(1 for ln in run.lines if _label_number(ln.text) is not None)
    if numbered >= 2 or (numbered == 1 and _label_number(run.lines[0].text) is not None):
        return _split_numbered(run.lines, run.category)
    return _split_unnumbered(run.lines, run.category)


def _is_reference(raw: str) -> bool:
    """An entry names a work: it has a year, a URL or an identifier, and is not one word."""
    return len(raw.split()) >= 3 and bool(
        _HAS_YEAR.search(raw) or _URL.search(raw) or _DOI.search(raw)
        or _IDENTIFIER.search(raw)
    )


def extract_references(ctx: Context) -> list[Reference]:
    out: list[Reference] = []
    try:
        runs = _reference_runs(ctx)
    except TimeoutError:  # pathological text: no list rather than no document
        return out
    for run in runs:
        try:
            entries = _entries(run)
        except TimeoutError:
            continue
        for lines, category in entries:
            tm = _join(lines)
            raw = _NUM_LABEL.sub("", tm.text, count=1).strip()
            # a numbered entry is one by its label; an unnumbered one must name a work
            labelled = _label_number(lines[0].text) is not None and len(raw.split()) >= 2
            if not labelled and not _is_reference(raw):
                continue
            try:
                fields = _parse_reference(raw)
            except TimeoutError:  # a pathological entry keeps its text, not its fields
                fields = {}
            year = fields.get("year")
            if isinstance(year, str) and len(year) > 4:  # "2009a": year and suffix apart
                fields["year"], fields["year_suffix"] = year[:4], year[4:]
            out.append(
                Reference(
                    raw=raw, category=category, span=(lines[0].start, lines[-1].end),
                    page=lines[0].page,
                    **fields,  # type: ignore[arg-type]
                )
            )
    return out


# --- in-text citations -----------------------------------------------------------------------


@dataclass(slots=True)
class _Found:
    authors: list[str]
    year: str
    start: int  # clean offsets in the section text
    end: int
    strong: bool = True  # False: a bare surname before "(year)", kept only if plausible


@cache
def _patterns() -> dict[str, regex.Pattern[str]]:
    r = _rules()
    name = r.name
    coll = r.collectives
    sep = r"(?:\s*,\s*(?:and\s+|&\s*)?|\s+and\s+|\s*&\s*|\s+et\.?\s+al\.?,?\s*(?:and\s+)?)"
    names = rf"(?P<names>{name}(?:{sep}{name}){{0,3}})"
    tail = rf"(?P<coll>\s+et\.?\s+al\.?,?|\s+(?:and|&)\s+(?:{coll}))"
    return {
        "acronym": regex.compile(r"\((?P<acr>[\p{Lu}][\p{Lu}\d&/\-]{1,11})\)\s*$"),
        "people": regex.compile(rf"(?<![\p{{L}}\-'’]){names}{tail}?\s*$"),
        "work": regex.compile(
            rf"(?<![\p{{L}}\-'’])(?P<names>{name})\s+(?P<noun>\p{{Ll}}[\p{{L}}\-]*)\s*$"
        ),
        # "In 2019, Smith and colleagues reported", "published in 2021 by Smith and colleagues",
        # "reported by Smith (and colleagues) in 2011"
        "in_year": regex.compile(
            rf"\b[Ii]n\s+(?P<year>{YEAR}),\s+(?:the\s+)?(?<![\p{{L}}\-'’]){names}{tail}"
            rf"|\bin\s+(?P<year>{YEAR})\s+by\s+{names}{tail}?"
            rf"|\bby\s+{names}{tail}?\s+in\s+(?P<year>{YEAR})(?![\d\p{{L}}])"
        ),
        "org": regex.compile(
            r"(?P<org>(?:U\.\s?S\.\s+)?[\p{Lu}][\p{L}.'’&\-]*(?:\s+(?:of|for|and|on|in|the|&|"
            r"[\p{Lu}][\p{L}.'’&\-]*)){0,9})\s*$"
        ),
        "orgname": regex.compile(
            r"(?:U\.\s?S\.\s+)?[\p{Lu}][\p{L}'’&\-]*(?:\s+(?:of|for|and|on|the|&|[\p{Lu}][\p{L}'’&\-]*)){0,9}"
        ),
        "name_only": regex.compile(rf"^{name}$"),
    }


_NAME_BEFORE = regex.compile(
    r"(?:[\p{Lu}][\p{L}.'’&\-]*(?:\s+(?:of|for|and|on|in|the|&)\b)*\s+){0,9}[\p{Lu}][\p{L}.'’&\-]*\s*$"
)
# the last character _NAME_BEFORE cannot hold (a reverse search: the rightmost): its match
# starts after it, so the search for it (tried at every position) starts there
_NOT_IN_NAME = regex.compile(r"(?r)[^\p{L}.'’&\-\s]")


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _doc_acronyms(ctx: Context, references: list[Reference]) -> frozenset[str]:
    """Heuristic 9: acronyms the document defines right after an organisation's name whose
    initials spell them ("European Society of Human Reproduction and Embryology (ESHRE)")."""
    found: set[str] = set()
    texts = [r.raw for r in references]
    texts += [n.text for n in ctx.sections if n.kind not in _SKIP_KINDS]
    for text in texts:
        for m in _PAREN_ACRONYM.finditer(text):
            window = text[max(0, m.start() - 120):m.start()]
            if not _names_org(window):
                continue
            stop = _NOT_IN_NAME.search(window)
            name = _NAME_BEFORE.search(window, stop.end() if stop else 0,
                                       timeout=limit(window, T))
            acr = _NOT_UPPER.sub("", m.group(1))
            if not name or not acr:
                continue
            # the shortest tail of the name whose initials spell the acronym must be an
            # organisation ("Clinical Preimplantation Genetic Diagnosis (PGD)" is not)
            words = name.group(0).replace(".", " ").split()
            for k in range(len(words) - 1, -1, -1):
                if words[k][:1].upper() != acr[0] or not words[k][:1].isupper():
                    continue
                tail = " ".join(words[k:])
                if _is_subsequence(acr, _initials(tail).upper()):
                    if _names_org(tail):
                        found.add(m.group(1))
                    break
    return frozenset(found)


def _words_ok(auth: str) -> bool:
    r = _rules()
    for w in [auth] if auth.isalpha() else _WORD_SEP.split(auth):  # (speed) one word
        k = w.lower().strip(".,;:()'’")
        if k in r.not_author:
            return False
    return True


def _strip_prefix(auth: str) -> str:
    """Drop leading lower-case words ("see also", "e.g.,", "such as found in"), keeping a name
    particle that opens a surname ("van Dyck")."""
    words = auth.split()
    if auth[:1].isupper():
        return " ".join(words)  # (speed) nothing to drop
    particles = _rules().particles
    k = 0
    while k < len(words) and not words[k][:1].isupper():
        if words[k] in particles and k + 1 < len(words) and words[k + 1][:1].isupper():
            break
        k += 1
    return " ".join(words[k:])


def _is_surname(name: str) -> bool:
    """Not a common capitalised word nor an organisation word ("Foundation, Maz et al")."""
    r = _rules()
    key = fold(name.split()[-1])
    return key not in r.not_surname and not r.org_keywords.fullmatch(key)


def _split_people(auth: str) -> list[str] | None:
    """'Sayegh and Strauch' -> [Sayegh, Strauch]; None when a piece is not a surname."""
    if auth.isalpha():  # (speed) one word: no separator to split at
        pieces = [auth]
    else:
        pieces = [p.strip() for p in _NAME_SEP.split(auth) if p.strip()]
    if not pieces or len(pieces) > 6:
        return None
    collective = _rules().collective_word
    names = []
    for p in pieces:
        if collective.fullmatch(fold(p)):
            continue
        if not _is_name(p) and not (len(p.split()) == 2 and all(_is_name(x) for x in p.split())):
            return None
        names.append(p)
    return names or None


# "Smith": a surname by the name pattern too; tested first, the name pattern (particles,
# prefixes, Unicode letters) costing five times more
_PLAIN_SURNAME = re.compile(r"[A-Z][a-z]+")


def _is_name(piece: str) -> bool:
    """Is `piece` one surname (the rules' name pattern)?"""
    return bool(_PLAIN_SURNAME.fullmatch(piece) or _patterns()["name_only"].match(piece))


def _clean_authors(auth: str, acronyms: frozenset[str]) -> list[str] | None:
    """Heuristic 7: the author part of a parenthetical citation, or None if it is not one."""
    r = _rules()
    auth = _strip_prefix(auth.strip(" ,;:"))
    if "et" in auth and "al" in auth:  # (speed) what _ET_AL_TAIL needs
        auth = _ET_AL_TAIL.sub("", auth)
    auth = auth.strip(" ,")
    if auth.startswith(("the", "The")):
        auth = _THE.sub("", auth)
    if not auth or len(auth) > 90 or _NOT_NAME_CHAR.search(auth):
        return None
    if not (auth[:1].isupper() or auth.split()[0].lower() in r.particles):
        return None
    words = auth.split()
    if len(words) > 10 or not _words_ok(auth):
        return None
    if auth.isupper() and _ACRONYM.fullmatch(auth):  # (speed) no lower-case letter first
        return [auth]
    if len(words) > 1 and words[0] in ("U.S.", "US", "U.S") and words[1] in r.acronyms:
        words = words[1:]  # "(U.S. FDA, 2023)" cites the FDA
    if len(words) <= 5 and (words[0] in acronyms or words[0] in r.acronyms):
        return [words[0]]  # "(FDA Product Information Label, 2019)" cites the FDA
    if _names_org(auth):
        return [auth]
    people = _split_people(auth)
    if people:
        return people
    if len(words) == 2 and _CAP_WORD.fullmatch(words[0]) and _INITIALS.fullmatch(words[1]):
        return [words[0]]  # "Saag M": a surname and initials
    # a name of several capitalised words or acronyms ("Genetics Home Reference", "Lilly USA");
    # not "Category III"
    if len(words) >= 2 and all(
        _CAP_WORD.match(w) or (_ACRONYM.fullmatch(w) and not _ROMAN.fullmatch(w))
        or w in ("of", "for", "and", "the", "on", "&") for w in words
    ):
        return [auth]
    return None


def _years(text: str) -> list[str]:
    """'2009a, b' -> [2009a, 2009b]; '2009, 2010' -> [2009, 2010]."""
    if _LONE_YEAR.fullmatch(text):
        return [text]  # (speed) the common case, without the token scan's look-behind
    out: list[str] = []
    for m in _YEAR_TOKEN.finditer(text):
        tok = m.group(0)
        if len(tok) == 1 and out:
            out.append(out[-1][:4] + tok)
        elif len(tok) >= 4:
            out.append(tok)
    return out


_PAIR_BREAK = regex.compile(
    r";|(?<=(?:19|20)\d\d[a-z]?)\s*(?:,\s*(?:and\s+|&\s*)?|\s+and\s+|\s*&\s*)(?=(?:\p{Ll}{1,4}\s+)?\p{Lu}\p{Ll})"
)


_YEARISH = re.compile(r"(?:19|20)\d\d")
_CAPITAL = regex.compile(r"\p{Lu}")


def _break_after_year(content: str) -> bool:
    """Could _PAIR_BREAK break `content` after a year? Only if a capital follows a year."""
    year = _YEARISH.search(content)
    return year is not None and _CAPITAL.search(content, year.end()) is not None


def _segments(content: str) -> list[tuple[int, str]]:
    """Split a bracket's content into author-year pairs: at ";", and after a year where a new
    name follows ("Tracy, 2012 and Yancy, 2013")."""
    if ";" not in content and not _break_after_year(content):
        return [(0, content)]  # (speed) the common single pair
    out: list[tuple[int, str]] = []
    pos = 0
    for m in _PAIR_BREAK.finditer(content, timeout=limit(content, T)):
        out.append((pos, content[pos:m.start()]))
        pos = m.end()
    out.append((pos, content[pos:]))
    return out


def _author_years(part: str, first_year: re.Match[str]) -> tuple[str, list[str]] | None:
    """(author part, years) of an author-year part by _YEARS_TAIL, or None; `first_year` is
    _HAS_YEAR's first match in `part`."""
    at = first_year.start()
    if (first_year.end() == len(part) and at and part[at - 1] in " ,"
            and (part[at + 1] == "9" or part[at + 2] in "01234")):
        # (speed) "Smith, 2019": the only year closes the part, after a space or a comma, and
        # is a YEAR (19xx, 2000-2049): the search below would match there, with that year
        # alone as its years run (a regex module call costs more than these tests)
        return part[:at], [part[at:]]
    # (speed) the years run starts at a year, none before the first one (less to scan)
    tail = _YEARS_TAIL.search(part, max(at - 1, 0), timeout=limit(part, T))
    if not tail:
        return None
    return part[: tail.start("years")], _years(tail.group("years"))


def _parenthetical(
    text: str, m: re.Match[str], acronyms: frozenset[str], ref_names: set[str]
) -> list[_Found]:
    out: list[_Found] = []
    content, base = m.group(1), m.start(1)
    prev_authors: list[str] | None = None
    for offset, part in _segments(content):
        start = base + offset
        stripped = part.strip()
        lead = len(part) - len(part.lstrip())
        first_year = _HAS_YEAR.search(stripped)
        if not first_year:
            prev_authors = None
            continue
        if stripped[0] in "12" and _YEARS_ONLY.match(stripped):  # (speed) it opens with a year
            if prev_authors:
                for y in _years(stripped):
                    out.append(_Found(prev_authors, y, start + lead, start + lead + len(stripped)))
            continue
        split = _author_years(stripped, first_year)
        if not split:
            prev_authors = None
            continue
        auth, years = split
        authors = _clean_authors(auth, acronyms)
        word = auth.strip(" ,")
        if not authors and _CAP_WORD.fullmatch(word) and fold(word) in ref_names:
            authors = [word]  # a date-like word the reference list names ("Jan, 2005")
        if not authors:
            prev_authors = None
            continue
        prev_authors = authors
        for y in years:
            out.append(_Found(authors, y, start + lead, start + lead + len(stripped)))
    return out


def _outside_quotes(sentence: str) -> str:
    return _QUOTED.sub(lambda q: " " * len(q.group(0)), sentence)


_ACRONYM_WORD = regex.compile(r"(?<![\p{L}\-])([\p{Lu}][\p{Lu}&\-]{1,11})(?:['’]s?)?(?![\p{L}\-])")
_LEAD_ARTICLE = regex.compile(r"^(?:(?:The|A|An|In|By|And|According to|Per)\s+)+")


def _first_org(before: str, acronyms: frozenset[str]) -> tuple[str, int] | None:
    """Heuristic 8 (last resort): the organisation a sentence names before a bare "(year)",
    outside quotes: a listed agency acronym first, then one the document defined, then the
    first organisation name."""
    r = _rules()
    text = _outside_quotes(before)
    listed = learned = None
    for m in _ACRONYM_WORD.finditer(text, timeout=limit(text, T)):
        if listed is None and m.group(1) in r.acronyms:
            listed = (m.group(1), m.start())
        elif learned is None and m.group(1) in acronyms:
            learned = (m.group(1), m.start())
    if listed or learned:
        return listed or learned
    for m in _patterns()["orgname"].finditer(text, timeout=limit(text, T)):
        name = _LEAD_ARTICLE.sub("", m.group(0)).strip()
        name = _ORG_TAIL.sub("", name)
        if len(name.split()) >= 2 and _names_org(name):
            acr = _PAREN_ACRONYM.match(text, m.end() + 1) if m.end() + 1 < len(text) else None
            return (acr.group(1) if acr else name, m.start())
    return None


def _org_before(before: str, acronyms: frozenset[str]) -> tuple[str, int] | None:
    r = _rules()
    m = _patterns()["org"].search(before, timeout=limit(before, T))
    if not m:
        return None
    org = _POSSESSIVE.split(m.group("org"), maxsplit=1)[0]
    start = m.start("org")
    if lead := _LEAD_ARTICLE.match(org):
        org, start = org[lead.end():], start + lead.end()
    words = org.split()
    if not words:
        return None
    if words[0].rstrip("’'s") in acronyms | r.acronyms and len(words) <= 4:
        return words[0], start
    if org in acronyms or org in r.acronyms:
        return org, start
    if len(words) >= 2 and _names_org(org) and _words_ok(org):
        return org, start
    return None


def _narrative(
    text: str, m: re.Match[str], sent_start: int, acronyms: frozenset[str]
) -> list[_Found]:
    """Heuristic 8: what a year-only bracket cites."""
    r = _rules()
    pats = _patterns()
    years = _years(m.group(1))
    lo = max(sent_start, m.start() - 200)
    before = text[lo:m.start()]
    end = m.end()

    def found(authors: list[str], start: int, strong: bool = True) -> list[_Found]:
        return [_Found(authors, y, lo + start, end, strong) for y in years]

    # in order: "(ACOG) (2009)", surnames, an organisation name, "the Smith study", and last
    # the organisation the sentence names first
    if a := pats["acronym"].search(before, timeout=limit(before, T)):
        acr = a.group("acr")
        if acr in acronyms or acr in r.acronyms:
            org = _org_before(before[: a.start()], acronyms)
            return found([acr], org[1] if org else a.start())
    p = pats["people"].search(before, timeout=limit(before, T))
    if p:
        listed = p.group("names")
        if "," in listed and not _AND.search(listed):
            # "Journal of Medicine, Wilkinson (2005)": a list of names ends with "and X"
            listed = listed.rsplit(",", 1)[1].strip()
        name_start = p.start("names") + p.group("names").rfind(listed)
        names = _split_people(listed) or []
        while names and not _is_surname(names[0]):
            names = names[1:]
        names = [n for n in names if _is_surname(n)]
        if names:
            # "et al.", "and colleagues" or two names make it a citation; a lone capitalised
            # word may be an organisation's last word ("... Heart Association (2019)")
            strong = bool(p.group("coll")) or len(names) > 1
            if strong:
                return found(names, name_start)
            org = _org_before(before, acronyms)
            if org and len(org[0].split()) > 1:
                return found([org[0]], org[1])
            return found(names, name_start, strong=False)
    org = _org_before(before, acronyms)
    if org:
        return found([org[0]], org[1])
    w = pats["work"].search(before, timeout=limit(before, T))
    if w and w.group("noun") in r.work_nouns and fold(w.group("names")) not in r.not_surname:
        return found([w.group("names")], w.start(), strong=False)
    first = _first_org(before, acronyms)
    if first:
        return found([first[0]], first[1])
    return []


# what every form of heuristic 8b holds ("in 2019"), for a fast scan with `re` (whose \s
# matches all that the regex module's does, and a few control characters more): led by the
# literal "n", not by "[Ii]n" (a class), it runs six times faster
_IN_YEAR_HINT = re.compile(r"n\s+(?:19|20)\d\d")


def _in_year_forms(text: str) -> list[_Found]:
    """Heuristic 8b: narrative citations with the year outside brackets ("In 2019, Smith and
    colleagues reported", "published in 2021 by Smith and colleagues", "by Smith in 2011")."""
    out: list[_Found] = []
    if not _IN_YEAR_HINT.search(text):
        return out  # (speed) the scan below tries its names at every "by" and capital
    for m in _patterns()["in_year"].finditer(text, timeout=limit(text, T)):
        names = _split_people(m.group("names")) or []
        if not names or not all(_is_surname(n) for n in names):
            continue
        start = m.start() + (3 if text.startswith("by ", m.start()) else 0)
        out.append(_Found(names, m.group("year"), start, m.end(), bool(m.group("coll"))))
    return out


def _paragraph_bounds(text: str) -> list[int]:
    starts = [0]
    i = text.find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = text.find("\n", i + 1)
    return starts


@dataclass(slots=True)
class _RefKey:
    index: int
    names: frozenset[str]  # folded surname / organisation / acronyms
    year: str | None


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split() if w[:1].isupper())


def _ref_keys(references: list[Reference]) -> list[_RefKey]:
    keys = []
    for i, ref in enumerate(references):
        names: set[str] = set()
        if ref.authors:
            first = ref.authors[0]
            names.add(fold(first))
            if len(first.split()) >= 2:
                names.add(fold(_initials(first)))
                names.add(fold(first.split()[-1]))
        if a := _PAREN_ACRONYM.search(ref.raw[:150]):  # "Food and Drug Administration (FDA)."
            names.add(fold(a.group(1)))
        keys.append(_RefKey(i, frozenset(n for n in names if n), ref.year))
    return keys


def _link(cites: list[tuple[_Found, int]], references: list[Reference]) -> dict[int, int]:
    """Heuristic 10: citation position -> reference index (failing a year match, the same
    author with the year anywhere in the entry, as web pages cite their update year)."""
    if not references:
        return {}
    keys = _ref_keys(references)
    by_year: dict[str, list[_RefKey]] = {}
    for k in keys:
        if k.year:
            by_year.setdefault(k.year[:4], []).append(k)
    out: dict[int, int] = {}
    for pos, (c, _) in enumerate(cites):
        cands = by_year.get(c.year[:4], [])
        author = fold(c.authors[0])
        exact = [k for k in cands if author in k.names]
        if not exact:
            exact = [
                k for k in cands
                if any(fuzz.ratio(author, n) >= 85 or (len(author) > 3 and f" {author}" in f" {n}")
                       for n in k.names)
            ]
        if not exact:
            # a web page has no publication year: its update or access year is what is cited
            exact = [k for k in keys if author in k.names and c.year[:4] in references[k.index].raw]
        if not exact:
            continue
        suffix = c.year[4:]
        pick = exact[0]
        if suffix and len(exact) > 1:
            same = [k for k in exact if k.year == c.year]  # the list may carry "2009a" too
            pick = same[0] if same else exact[min(ord(suffix) - ord("a"), len(exact) - 1)]
        out[pos] = pick.index
    return out


def _plausible(c: _Found, ref_names: set[str]) -> bool:
    """A bare surname before '(year)' counts when the list names it, or there is no list."""
    if c.strong:
        return True
    if not ref_names:
        return True
    author = fold(c.authors[0])
    return any(author == n or fuzz.ratio(author, n) >= 85 for n in ref_names)


_NO_STOP_AFTER = r"\b(?:al|e\.g|i\.e|vs|cf|Fig|No|Dr|St|[\p{Lu}])"  # "et al.", "U.S."
_SENT_BREAK = regex.compile(rf"(?<!{_NO_STOP_AFTER})[.!?][\"”’)]?\s+(?=[\p{{Lu}}“\"(])")
# the same led by the full stop, its look-behind after it: the scan jumps from stop to stop
# (three times faster) where no "!" or "?" occurs
_SENT_STOP = regex.compile(rf"\.(?<!{_NO_STOP_AFTER}\.)[\"”’)]?\s+(?=[\p{{Lu}}“\"(])")


def _sent_breaks(text: str, pos: int, endpos: int) -> Iterator[regex.Match[str]]:
    """_SENT_BREAK.finditer(text, pos, endpos)."""
    pattern = _SENT_STOP if "!" not in text and "?" not in text else _SENT_BREAK
    return pattern.finditer(text, pos, endpos)


def _clause_start(text: str, pos: int, floor: int) -> int:
    """A cheap lower bound for the start of the sentence holding `pos`, used only to limit
    how far back heuristic 8 looks (the reported sentence comes from spaCy)."""
    last = floor
    for m in _sent_breaks(text, floor, pos):
        last = m.end()
    return last


_MAX_SENTENCE = 1500


def _window(text: str, p0: int, p1: int, lo: int, hi: int) -> tuple[int, int]:
    """The stretch of a paragraph spaCy must read to find the sentences around [lo, hi): two
    candidate breaks before and after, so a false candidate ("U.S. Food") cannot cut one short."""
    before = [m.end() for m in _sent_breaks(text, p0, lo)]
    start = before[-2] if len(before) >= 2 else p0
    after = [m.end() for m in itertools.islice(_sent_breaks(text, hi, p1), 2)]
    stop = after[-1] if len(after) == 2 else p1
    return start, stop


def _sentences(found: list[tuple[_Found, SectionNode]]) -> list[tuple[int, int] | None]:
    """Heuristic 11: the spaCy sentence holding each citation, in one pipeline pass over the
    stretches of the paragraphs that hold citations."""
    from extractor.nlp import sentences_holding

    groups: dict[tuple[int, int], list[int]] = {}  # (node id, paragraph start) -> found idx
    bounds: dict[int, list[int]] = {}
    for i, (c, node) in enumerate(found):
        starts = bounds.get(node.id)
        if starts is None:
            starts = bounds[node.id] = _paragraph_bounds(node.textmap.text)
        groups.setdefault((node.id, starts[bisect_right(starts, c.start) - 1]), []).append(i)
    items: list[tuple[str, list[int]]] = []
    origin: list[int] = []
    members: list[list[int]] = []
    for (nid, p0), idx in groups.items():
        node = found[idx[0]][1]
        text = node.textmap.text
        starts = bounds[nid]
        k = bisect_right(starts, p0) - 1
        p1 = starts[k + 1] - 1 if k + 1 < len(starts) else len(text)
        lo = min(found[i][0].start for i in idx)
        hi = max(found[i][0].end for i in idx)
        w0, w1 = _window(text, p0, p1, lo, hi)
        items.append((text[w0:w1], [found[i][0].start - w0 for i in idx]))
        origin.append(w0)
        members.append(idx)
    out: list[tuple[int, int] | None] = [None] * len(found)
    for hits, w0, idx in zip(sentences_holding(items) if items else [], origin, members,
                             strict=True):
        for i, hit in zip(idx, hits, strict=True):
            # a "sentence" longer than any real one is text without punctuation: none
            ok = hit is not None and hit[1] - hit[0] <= _MAX_SENTENCE
            out[i] = (w0 + hit[0], w0 + hit[1]) if hit and ok else None
    return out


def _brackets(text: str) -> Iterator[re.Match[str]]:
    """_PAREN.finditer(text): the pattern tried only where a bracket opens, those found by
    str.find (the regex module scans for a set of characters ten times slower)."""
    pos = 0
    paren, square = text.find("("), text.find("[")
    while True:
        if 0 <= paren < pos:
            paren = text.find("(", pos)
        if 0 <= square < pos:
            square = text.find("[", pos)
        if paren < 0 and square < 0:
            return
        at = paren if square < 0 or 0 <= paren < square else square
        m = _PAREN.match(text, at)
        if m:
            yield m
            pos = m.end()
        else:
            pos = at + 1


def _section_citations(
    text: str, acronyms: frozenset[str], ref_names: set[str]
) -> list[_Found]:
    """Heuristics 6-8 over one section's clean text, in text order."""
    para_starts = _paragraph_bounds(text)
    items: list[_Found] = []
    for m in _brackets(text):
        content = m.group(1)
        if not _HAS_YEAR.search(content):
            continue
        if content.lstrip()[:1] in ("1", "2") and _YEARS_ONLY.match(content):  # (speed)
            floor = para_starts[bisect_right(para_starts, m.start()) - 1]
            items += _narrative(text, m, _clause_start(text, m.start(), floor), acronyms)
        else:
            items += _parenthetical(text, m, acronyms, ref_names)
    items += _in_year_forms(text)
    items.sort(key=lambda c: c.start)
    return [c for c in items if _plausible(c, ref_names)]


def extract_citations(ctx: Context, references: list[Reference]) -> list[Citation]:
    try:
        acronyms = _doc_acronyms(ctx, references)
    except TimeoutError:
        acronyms = frozenset()
    ref_names: set[str] = set()
    for ref in references:
        ref_names.update(fold(a) for a in ref.authors[:1])
        ref_names.update(fold(a.split()[-1]) for a in ref.authors[:1] if 1 < len(a.split()) <= 3)
    found: list[tuple[_Found, SectionNode]] = []
    for node in ctx.sections:
        if node.kind in _SKIP_KINDS or not node.lines or _is_list_section(node):
            continue
        text = node.textmap.text
        if "19" not in text and "20" not in text or not _HAS_YEAR.search(text):
            continue  # (the literal tests first: str finds them ten times faster)
        try:
            found += [(c, node) for c in _section_citations(text, acronyms, ref_names)]
        except TimeoutError:  # a pathological section: the others still count
            continue
    links = _link([(c, i) for i, (c, _) in enumerate(found)], references)
    sentences = _sentences(found)
    out: list[Citation] = []
    for pos, ((c, node), sent) in enumerate(zip(found, sentences, strict=True)):
        tm = node.textmap
        text = tm.text
        out.append(
            Citation(
                authors=c.authors, year=c.year[:4], year_suffix=c.year[4:] or None,
                text=" ".join(text[c.start:c.end].split()),
                span=tm.source_span(c.start, c.end), page=tm.page(c.start), section=node.id,
                sentence=text[sent[0]:sent[1]] if sent else None, reference=links.get(pos),
            )
        )
    return out

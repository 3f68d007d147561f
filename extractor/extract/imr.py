"""IMR letters: header fields, reviewer, patient and one decision per disputed item.

California workers' compensation Independent Medical Review letters come in a few layouts of
one program (rules/imr.toml names them). The heuristics, in order:

  1. Lines. The letter is read from the raw lines less real furniture: the generic cleaner
     removes lines that repeat at page edges, which in these letters also hits decision text
     repeated item after item, so a removed line comes back unless a boilerplate line rule or
     an IMR running-header pattern matches it.
  2. Layout. The first layout of imr.toml whose patterns all match names the letter
     (`metadata.layout`); none matching is an issue (I_IMR_LAYOUT_UNKNOWN) and the generic
     strategies below still run.
  3. Regions. Lines whose text is in the IMR heading vocabulary (rules/sections.toml [imr.*])
     open regions: header (before the first), how_determined, case_summary, decisions, ...
  4. Header fields: label/value pairs searched in the header lines; a label wrapped around its
     value in a two-column block ("Application 11/03/2016" over "Received:") is matched by
     trying every split of the label's words. Dates become ISO.
  5. Reviewer: labelled lines ("State(s) of Licensure:", "Certification(s)/Specialty:", values
     wrapped onto following lines joined) or the qualification sentence ("Board Certified in
     X and is licensed to practice in Y"). States split at commas and "and" and take their
     canonical spelling; specialties split at commas only ("Physical Medicine and
     Rehabilitation" is one).
  6. Patient: age and sex from "a 48 year old male" phrases (pronouns when no phrase says the
     sex), the injury date and the list of diagnoses from the case summary; a list piece that
     names no condition ("fascia", "right") joins its neighbour.
  7. Decisions, by layout:
     a. labelled items (2014-17 letters): an item ends at a line ending in ": Upheld" /
        ": Overturned" (or the word alone on the next line); walking back, it starts after a
        blank line, after a change from regular to bold type (PDFs set items in bold), or
        after a finished sentence (so a page break with no blank line does not merge two
        items); a partly authorised request runs back across its sentences to "... was the
        original request". Labels ("Claims Administrator guideline:", "MAXIMUS guideline:",
        "Decision rationale:") split the rest of the item, which runs to the next item, a
        section that follows the decisions (DOCUMENTS REVIEWED) or the letter's closing.
        Items written as verdict sentences ("X is not medically necessary and appropriate.")
        before their labels are read too.
     b. 2013 notices: numbered statements "N) MAXIMUS ... has determined the request for X is
        (not) medically necessary and appropriate" give request and outcome; numbered
        "N) Regarding the request for X:" blocks give guidelines and rationale.
     c. medical professional reviews: ISSUE AT DISPUTE gives the request, the guideline and
        rationale sections their texts, the rationale heading the outcome.
     An upheld denial is not medically necessary; an overturned one is.
  8. Guideline citations: null where nothing was cited; else the text as written, split into
     "Decision based on ..." citations, each parsed for source (MTUS, ACOEM, ODG, non_mtus),
     chapter, title, year, sections and pages. The first is the citation, the rest `additional`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache, lru_cache
from typing import Any

import regex

from extractor.context import Context
from extractor.document import Line
from extractor.models.contract import (
    Decision,
    GuidelineCitation,
    ImrMetadata,
    PartialRequest,
    Patient,
    Reviewer,
)
from extractor.rules import compile_all, load
from extractor.segment.paragraphs import is_double_spaced
from extractor.segment.sections import lexicon
from extractor.textutil import clean_space, fold, limit

_T = 0.2  # seconds: timeout for any pattern match that could backtrack
_FLAGS = regex.I | regex.V1


@cache
def _re(pattern: str, flags: int = 0) -> regex.Pattern[str]:
    """A literal pattern of this module, compiled once."""
    return regex.compile(pattern, flags)


_SENTENCE_END = regex.compile(r"[.!?][\"'”’)\]]?$")
# section kinds that close the list of decided items when they follow it
_AFTER_DECISIONS = frozenset({"documents_reviewed", "how_determined", "case_summary"})


@dataclass
class ImrFields:
    metadata: ImrMetadata = field(default_factory=ImrMetadata)
    reviewer: Reviewer = field(default_factory=Reviewer)
    patient: Patient = field(default_factory=Patient)
    decisions: list[Decision] = field(default_factory=list)


# --- rules -------------------------------------------------------------------------------------


def _c(pattern: str, date: str) -> regex.Pattern[str]:
    return regex.compile(pattern.replace("{DATE}", date), _FLAGS)


def _cl(patterns: list[str], date: str) -> list[regex.Pattern[str]]:
    return [_c(p, date) for p in patterns]


@dataclass(frozen=True)
class _Rules:
    layouts: list[tuple[str, list[regex.Pattern[str]], list[regex.Pattern[str]]]]
    running: list[regex.Pattern[str]]
    line_rules: list[regex.Pattern[str]]
    header_until: frozenset[str]
    header_max: int
    fields: dict[str, list[regex.Pattern[str]]]
    jurisdiction: str
    program: list[regex.Pattern[str]]
    organizations: list[tuple[str, regex.Pattern[str]]]
    raw: dict[str, Any]
    compiled: dict[str, Any]


def _label_patterns(labels: list[str], value: str) -> list[str]:
    """A label followed by its value, and every split of the label's words around the value."""
    out: list[str] = []
    for label in labels:
        words = [regex.escape(w) for w in label.split()]
        out.append(r"\b" + r"\s+".join(words) + r"\s*[:#]?\s*(?P<v>" + value + ")")
        for k in range(1, len(words)):
            head, tail = r"\s+".join(words[:k]), r"\s+".join(words[k:])
            out.append(r"\b" + head + r"\s+(?P<v>" + value + r")\s+" + tail + r"\s*:")
    return out


@cache
def _rules() -> _Rules:
    data = load("imr")
    date_src = data["date"]
    layouts = [
        (lay["id"], _cl(lay.get("all", []), date_src), _cl(lay.get("any", []), date_src))
        for lay in data.get("layout", [])
    ]
    bp = load("boilerplate")
    line_rules = [p for _, p in compile_all("boilerplate.line", bp.get("line", []),
                                            allowed={"id", "pattern"})]
    fields: dict[str, list[regex.Pattern[str]]] = {}
    for name, spec in data["header"]["fields"].items():
        value = spec["value"].replace("{DATE}", date_src)
        pats = _label_patterns(spec["labels"], value) + spec.get("extra", [])
        fields[name] = _cl(pats, date_src)
    rv, pt, dc, gl = data["reviewer"], data["patient"], data["decision"], data["guideline"]
    compiled: dict[str, Any] = {
        "lic_labels": _cl(rv["licensure_labels"], date_src),
        "spec_labels": _cl(rv["specialty_labels"], date_src),
        "lic_lines": _cl([r"^\s*(?:" + p + r")\s*:\s*(?P<v>.*)$"
                          for p in rv["licensure_labels"]], date_src),
        "spec_lines": _cl([r"^\s*(?:" + p + r")\s*:\s*(?P<v>.*)$"
                           for p in rv["specialty_labels"]], date_src),
        "licensed": _cl(rv["licensed"], date_src),
        "board": _cl(rv["board"], date_src),
        "subspecialty": _cl(rv["subspecialty"], date_src),
        "licensed_as": _cl(rv["licensed_as"], date_src),
        "states": {fold(s): s for s in rv["states"]},
        "age_sex": _cl(pt["age_sex"], date_src),
        "age": _cl(pt["age"], date_src),
        "injury_date": _cl(pt["injury_date"], date_src),
        "diagnoses": _cl(pt["diagnoses"], date_src),
        "condition": _c(pt["condition"], date_src),
        "intro": _cl(dc["intro"], date_src),
        "outcome_line": _c(dc["outcome_line"], date_src),
        "outcome_word": _c(dc["outcome_word"], date_src),
        "verdict": _c(dc["verdict"], date_src),
        "partial_tail": _cl(dc["partial_tail"], date_src),
        "partial_head": _cl(dc["partial_head"], date_src),
        "partial_original": _c(dc["partial_original"], date_src),
        "partial_authorized": _cl(dc["partial_authorized"], date_src),
        "partial_disputed": _cl(dc["partial_disputed"], date_src),
        "not_necessary": _cl(dc["not_necessary"], date_src),
        "necessary": _cl(dc["necessary"], date_src),
        "statement_start": _c(dc["notice"]["statement_start"], date_src),
        "statement": _c(dc["notice"]["statement"], date_src),
        "block_start": _c(dc["notice"]["block_start"], date_src),
        "block": _c(dc["notice"]["block"], date_src),
        "same_as_ca": _cl(dc["notice"]["same_as_claims_administrator"], date_src),
        "review_not": _c(dc["review"]["heading_not_necessary"], date_src),
        "review_yes": _c(dc["review"]["heading_necessary"], date_src),
        "issue_lead": _c("^" + dc["review"]["issue_lead"], date_src),
        "issue_tail": _c(dc["review"]["issue_tail"] + "$", date_src),
        "end": _cl(dc["end"]["patterns"], date_src),
        "g_none": _cl(gl["none"], date_src),
        "g_segment": _c(gl["segment"], date_src),
        "g_non_mtus": _c(gl["non_mtus"], date_src),
        "g_mtus": _c(gl["mtus"], date_src),
        "g_mtus_split": _c(gl["mtus_split"], date_src),
        "g_mtus_part": _c(gl["mtus_part"], date_src),
        "g_pages": _c(gl["pages"], date_src),
        "g_chapter": _c(gl["chapter"], date_src),
        "g_named_chapter": _c(gl["named_chapter"], date_src),
        "g_lead": _cl(gl["lead"], date_src),
        "g_tail": _cl(gl["tail"], date_src),
        "g_titled": _c(gl["titled"], date_src),
        "g_edition": _c(gl["edition"], date_src),
        "g_year": _c(gl["year"], date_src),
        "g_sources": [(s["id"], _c(s["pattern"], date_src)) for s in gl["source"]],
        "g_names": _cl(gl["names"]["patterns"], date_src),
    }
    return _Rules(
        layouts=layouts,
        running=_cl(data["furniture"]["running"], date_src),
        line_rules=line_rules,
        header_until=frozenset(data["header"]["until"]),
        header_max=int(data["header"]["max_lines"]),
        fields=fields,
        jurisdiction=data["program"]["jurisdiction"],
        program=_cl(data["program"]["evidence"], date_src),
        organizations=[(o["name"], _c(o["pattern"], date_src)) for o in data["organization"]],
        raw=data,
        compiled=compiled,
    )


def _search(pats: list[regex.Pattern[str]], text: str) -> regex.Match[str] | None:
    for pat in pats:
        m = pat.search(text, timeout=limit(text, _T))
        if m:
            return m
    return None


def _full(pats: list[regex.Pattern[str]], text: str) -> regex.Match[str] | None:
    for pat in pats:
        m = pat.fullmatch(text, timeout=limit(text, _T))
        if m:
            return m
    return None


# --- dates -------------------------------------------------------------------------------------

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


def iso_date(text: str) -> str | None:
    """'11/09/2016', '10-13-16', 'May 10, 2001' -> ISO; None when not a valid date."""
    t = clean_space(text)
    m = _re(r"(\d{1,2})\s*[/-]\s*(\d{1,2})\s*[/-]\s*(\d{4}|\d{2})").fullmatch(t)
    if m:
        month, day, year = int(m[1]), int(m[2]), int(m[3])
        if len(m[3]) == 2:
            year += 2000 if year <= 40 else 1900
    else:
        m = _re(r"\b([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})").fullmatch(t)
        if not m or m[1].lower() not in _MONTHS:
            return None
        month, day, year = _MONTHS[m[1].lower()], int(m[2]), int(m[3])
    try:
        return date(year, month, day).isoformat() if 1900 <= year <= 2100 else None
    except ValueError:
        return None


# --- lines and regions -------------------------------------------------------------------------


def _letter_lines(ctx: Context) -> list[Line]:
    """Raw lines less furniture (heuristic 1)."""
    rules = _rules()
    kept = {ln.index for ln in ctx.kept}
    lex = lexicon("imr")
    out: list[Line] = []
    seen_heading = False
    for line in ctx.raw.lines:
        text = clean_space(line.text)
        running = line.page > 1 and seen_heading and _full(rules.running, text) is not None
        if line.index not in kept:
            if running or _full(rules.line_rules, text):
                continue
        elif running:
            continue
        if not seen_heading and lex.top(line.text):
            seen_heading = True
        out.append(line)
    return out


@dataclass
class _Region:
    kind: str
    heading: Line | None
    start: int  # index of the first body line in the letter's lines
    end: int  # exclusive


def _regions(lines: list[Line]) -> list[_Region]:
    lex = lexicon("imr")
    regions: list[_Region] = [_Region("header", None, 0, len(lines))]
    for i, line in enumerate(lines):
        kind = lex.top(line.text)
        if kind:
            regions[-1].end = i
            regions.append(_Region(kind, line, i + 1, len(lines)))
    return regions


def _join(lines: list[Line]) -> str:
    """Lines joined with spaces; a word broken by a hyphen at a line end joins as is."""
    return _join_texts([line.text for line in lines])


def _join_texts(texts: list[str]) -> str:
    out = ""
    for text in texts:
        text = text.strip()
        if not text:
            continue
        if not out:
            out = text
        elif out.endswith("-") and len(out) > 1 and out[-2].isalpha():
            out += text
        else:
            out += " " + text
    return clean_space(out)


# --- layout and metadata -----------------------------------------------------------------------


def _layout(text: str) -> str | None:
    for lid, all_of, any_of in _rules().layouts:
        if all(p.search(text, timeout=limit(text, _T)) for p in all_of) and (
            not any_of or any(p.search(text, timeout=limit(text, _T)) for p in any_of)
        ):
            return lid
    return None


def _header_lines(lines: list[Line], regions: list[_Region]) -> list[Line]:
    rules = _rules()
    end = min(len(lines), rules.header_max)
    for reg in regions[1:]:
        if reg.kind in rules.header_until and reg.heading is not None:
            end = min(end, reg.start - 1)
            break
    return lines[:end]


def _metadata(text: str, header: str, layout: str | None) -> ImrMetadata:
    rules = _rules()
    values: dict[str, str | None] = {}
    for name, pats in rules.fields.items():
        m = _search(pats, header)
        if not m:
            values[name] = None
        elif name in ("case_number", "priority"):
            v = clean_space(m["v"])
            values[name] = v.upper() if name == "case_number" else v.capitalize()
        else:
            values[name] = iso_date(m["v"])
    tmo = limit(text, _T)
    program = layout is not None or sum(1 for p in rules.program if p.search(text, timeout=tmo)) > 1
    org = next((name for name, p in rules.organizations if p.search(text, timeout=tmo)), None)
    return ImrMetadata(
        jurisdiction=rules.jurisdiction if program else None, organization=org, layout=layout,
        **values,  # type: ignore[arg-type]
    )


# --- reviewer ----------------------------------------------------------------------------------


def _split_list(value: str) -> list[str]:
    parts = _re(r",|;|\band\b(?!\s*/)|(?<=\s)/(?=\s)").split(value)
    return [p.strip(" .:") for p in parts if p.strip(" .:")]


def _states(value: str) -> list[str]:
    canon = _rules().compiled["states"]
    out: list[str] = []
    for part in _split_list(value):
        name = canon.get(fold(part), part)
        if name not in out:
            out.append(name)
    return out


def _labelled_value(
    lines: list[Line], pats: list[regex.Pattern[str]], others: list[regex.Pattern[str]], thr: int
) -> str | None:
    """The value after a label at a line start, with wrapped continuation lines joined: a line
    continues the value when the value so far ends in a joining word or mark ("Public Health &")
    or when it is short and reads as a list rather than prose (the tail of a wrapped list)."""
    lex = lexicon("imr")
    for i, line in enumerate(lines):
        m = _search(pats, line.text)
        if not m:
            continue
        parts = [m["v"].strip()]
        for nxt in lines[i + 1 : i + 4]:
            t = nxt.text.strip()
            if (
                (nxt.gap_before >= thr and parts[0])
                or lex.top(t)
                or _re(r"[A-Z][\w()/ ]{0,40}:").match(t)
                or _search(others, t)
            ):
                break
            cue = _re(r"(?:[,&/-]|\b(?:and|of|the|New|North|South|West|Rhode))$").search(
                parts[-1])
            prose = _re(r"(?:The|This|These|He|She|His|Her|It|In|On|A|An)\b").match(t)
            if not cue and (len(t.split()) > 10 or _SENTENCE_END.search(t) or prose):
                break
            parts.append(t)
        return clean_space(" ".join(parts))
    return None


def _reviewer(lines: list[Line], regions: list[_Region], thr: int) -> Reviewer:
    c = _rules().compiled
    qual = [ln for r in regions if r.kind == "how_determined" for ln in lines[r.start : r.end]]
    scope = qual or lines
    licensure: list[str] = []
    specialties: list[str] = []
    board: bool | None = None
    lic = _labelled_value(scope, c["lic_lines"], c["spec_labels"], thr)
    spec = _labelled_value(scope, c["spec_lines"], c["lic_labels"], thr)
    if lic:
        licensure = _states(lic)
    if spec:
        specialties = _split_list_keep_and(spec)
    text = _join(scope)
    if not licensure:
        # "Licensed in Psychology and is licensed to practice in California": the phrase whose
        # names are all states wins, else the first
        found = [_states(m["v"]) for pat in c["licensed"]
                 for m in pat.finditer(text, timeout=limit(text, _T))]
        known = set(c["states"].values())
        licensure = next((f for f in found if f and all(x in known for x in f)),
                         found[0] if found else [])
    if not specialties:
        m = _search(c["board"], text)
        if m:
            board = True
            specialties = _split_list_keep_and(m["v"])
        for pats, split in ((c["subspecialty"], _split_list_keep_and),
                            (c["licensed_as"], _split_list)):  # "Chiropractor and Acupuncturist"
            for pat in pats:
                for sm in pat.finditer(text, timeout=limit(text, _T)):
                    for s in split(sm["v"]):
                        if s not in specialties:
                            specialties.append(s)
    elif _search(c["board"], text):
        board = True
    return Reviewer(licensure=licensure, specialties=specialties, board_certified=board)


def _split_list_keep_and(value: str) -> list[str]:
    """Specialties split at commas and semicolons only: "Physical Medicine and Rehabilitation"
    is one specialty."""
    parts = _re(r"[,;]").split(clean_space(value))
    return [p.strip(" .:") for p in parts if p.strip(" .:")]


# --- patient -----------------------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [s for s in _re(r"(?<=[.!?])\s+(?=[A-Z(\"'])").split(text) if s]


def _patient(lines: list[Line], regions: list[_Region], header_doi: str | None) -> Patient:
    rules = _rules()
    c = rules.compiled
    pt = rules.raw["patient"]
    summary = [ln for r in regions if r.kind == "case_summary" for ln in lines[r.start : r.end]]
    text = _join(summary) if summary else ""
    whole = _join(lines)
    age: int | None = None
    sex: str | None = None
    text, whole = _word_ages(text), _word_ages(whole)
    for scope in (text, whole):
        m = _search(c["age_sex"], scope)
        if m:
            age, sex = int(m["age"]), _sex(m["sex"], pt)
            break
    if age is None:
        for scope in (text, whole):
            m = _search(c["age"], scope)
            if m:
                age = int(m["age"])
                break
    if age is not None and not 1 <= age <= 110:
        age = None
    if sex is None and text:
        toks = _re(r"[a-z]+").findall(text.lower())
        he = sum(1 for t in toks if t in pt["he_words"])
        she = sum(1 for t in toks if t in pt["she_words"])
        if he >= 2 and she == 0:
            sex = "male"
        elif she >= 2 and he == 0:
            sex = "female"
    doi = None
    m = _search(c["injury_date"], text) if text else None
    if m:
        doi = iso_date(m["v"])
    return Patient(age=age, sex=sex, date_of_injury=doi or header_doi,  # type: ignore[arg-type]
                   diagnoses=_diagnoses(text or whole))


_UNITS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_TEENS = ["ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
          "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_WORD_AGE = regex.compile(
    r"\b(?:(?P<tens>" + "|".join(_TENS[2:]) + r")(?:[- ](?P<unit>" + "|".join(_UNITS[1:])
    + r"))?|(?P<teen>" + "|".join(_TEENS) + r"))(?=[- ]years?[- ]old)", regex.I)


def _word_ages(text: str) -> str:
    """"fifty-five year old" -> "55 year old", so one age pattern reads both."""
    def num(m: regex.Match[str]) -> str:
        if m["teen"]:
            return str(10 + _TEENS.index(m["teen"].lower()))
        unit = _UNITS.index(m["unit"].lower()) if m["unit"] else 0
        return str(10 * _TENS.index(m["tens"].lower()) + unit)

    return _WORD_AGE.sub(num, text)


def _sex(word: str, pt: dict[str, Any]) -> str | None:
    w = word.lower()
    return "male" if w in pt["male"] else "female" if w in pt["female"] else None


def _diagnoses(text: str) -> list[str]:
    """The list after the first phrase that introduces diagnoses, to the end of its sentence."""
    pats = _rules().compiled["diagnoses"]
    for sentence in _sentences(text):
        m = _search(pats, sentence)
        if not m:
            continue
        tail = sentence[m.end():].strip().rstrip(".").strip("\"'“” ")
        if tail and len(tail) <= 800:
            out = _diagnosis_list(tail)
            if out:
                return out
    return []


def _pieces(tail: str) -> list[tuple[int, int, bool]]:
    """(start, end, fixed) of each list piece in `tail`; fixed pieces (semicolon lists) are
    items on their own."""
    fixed = ";" in tail
    seps = r"\s*;\s*" if fixed else r"\s*,\s*(?:(?:and|or)\s+)?|\s+and\s+(?!/)"
    out: list[tuple[int, int, bool]] = []
    pos = 0
    for m in regex.finditer(seps, tail, timeout=limit(seps, _T)):
        out.append((pos, m.start(), fixed))
        pos = m.end()
    out.append((pos, len(tail), fixed))
    return [(a, b, f) for a, b, f in out if tail[a:b].strip(" .:\"'“”")]


def _diagnosis_list(tail: str) -> list[str]:
    cond = _rules().compiled["condition"]
    # group pieces naming no condition with a neighbour; a group is [start, end] in `tail`
    groups: list[list[int]] = []
    heads: list[str] = []
    pending: int | None = None
    for a, b, fixed in _pieces(tail):
        piece = tail[a:b]
        if fixed or cond.search(piece, timeout=limit(piece, _T)):
            groups.append([a if pending is None else pending, b])
            heads.append(piece)
            pending = None
        elif pending is None and groups and _re(r"\b(?:of|in|to|at|on)\b").search(heads[-1]):
            groups[-1][1] = b
        elif pending is None:
            pending = a
    if pending is not None:
        if groups:
            groups[-1][1] = len(tail)
        else:
            groups.append([pending, len(tail)])
    out: list[str] = []
    for a, b in groups:
        item = tail[a:b].strip(" .:,;\"'“”")
        item = _re(r"^(?:(?:and|or)\s+)?(?:(?:a|an|the)\s+)?", regex.I).sub("", item)
        if item and item not in out:
            out.append(item)
    return out


# --- decisions: shared -------------------------------------------------------------------------


@dataclass
class _Item:
    request: str
    outcome: str | None
    lines: list[Line]  # the whole block, item text first
    parts: dict[str, str] = field(default_factory=dict)  # claims_administrator/reviewer/rationale


@cache
def _label_res() -> list[tuple[str, regex.Pattern[str], regex.Pattern[str]]]:
    """Per label kind: the label with a colon and text after it, and the label alone."""
    out = []
    for kind, pats in _rules().raw["decision"]["labels"].items():
        alt = "(?:" + "|".join(pats) + ")"
        out.append((kind, regex.compile(alt + r"\s*:\s*(?P<rest>.*)", _FLAGS),
                    regex.compile(alt + r"\s*:?", _FLAGS)))
    return out


@lru_cache(maxsize=4096)
def _label(text: str) -> tuple[str, str] | None:
    """(label kind, text after the label) when a line opens with a decision label."""
    t = text.strip()
    for kind, with_colon, alone in _label_res():
        m = with_colon.match(t, timeout=limit(t, _T))
        if m:
            return kind, m["rest"].strip()
        if alone.fullmatch(t, timeout=limit(t, _T)):
            return kind, ""
    return None


def _outcome_split(text: str) -> tuple[str, str] | None:
    """'MRI of the knee: Upheld' -> ('MRI of the knee', 'Upheld')."""
    m = _rules().compiled["outcome_line"].search(text, timeout=limit(text, _T))
    if not m or not text[: m.start()].strip():
        return None
    return text[: m.start()].strip(), m["out"]


def _outcome_word(word: str) -> str | None:
    dc = _rules().raw["decision"]
    w = word.lower()
    return "upheld" if w in dc["upheld"] else "overturned" if w in dc["overturned"] else None


def _outcome_from_text(text: str) -> str | None:
    """Outcome stated at the end of a rationale ("... is not medically necessary")."""
    c = _rules().compiled
    for sentence in reversed(_sentences(text)[-3:]):
        if _search(c["not_necessary"], sentence):
            return "upheld"
        if _search(c["necessary"], sentence):
            return "overturned"
    return None


def _clean_request(text: str) -> str:
    text = clean_space(text).rstrip(" :")
    text = _re(r"^\(?\d{1,2}[.)]\s+").sub("", text)  # "1. MRI of the knee: Upheld"
    text = _re(r"\s+is$").sub("", text)
    return text.rstrip(" .:")


def _split_parts(block: list[Line]) -> dict[str, str]:
    """Label -> text for the lines of an item after its request."""
    parts: dict[str, list[Line]] = {}
    firsts: dict[str, str] = {}
    current: str | None = None
    for line in block:
        lab = _label(line.text)
        if lab and lab[0] not in parts:
            current = lab[0]
            parts[current] = []
            firsts[current] = lab[1]
            continue
        if current is not None:
            parts[current].append(line)
    out: dict[str, str] = {}
    if not parts and block:
        return {"rationale": _join(block)}
    for kind, body in parts.items():
        out[kind] = _join_texts([firsts[kind]] + [ln.text for ln in body])
    return out


def _end_of_letter(lines: list[Line], start: int, end: int) -> int:
    pats = _rules().compiled["end"]
    for i in range(start, end):
        if _full(pats, lines[i].text.strip()):
            return i
    return end


# --- decisions: labelled items (7a) ------------------------------------------------------------


def _item_start(
    lines: list[Line], last: int, floor: int, thr: int, bold_mode: bool, anchors: set[int]
) -> int:
    """First line of the item whose text ends at `last` (walks back, at most 12 lines)."""
    c = _rules().compiled
    j = last
    last_text = lines[last].text
    if c["outcome_word"].fullmatch(last_text.strip(), timeout=limit(last_text, _T)) \
            and last - 1 >= floor:
        j = last - 1
        if (
            _label(lines[j].text) or j in anchors or _full(c["intro"], lines[j].text.strip())
            or lexicon("imr").top(lines[j].text)
        ):
            return last
    text = lines[j].text
    while j - 1 >= floor and last - j < 12:
        prev, cur = lines[j - 1], lines[j]
        pt = prev.text.strip()
        if _label(pt) or (j - 1) in anchors or _full(c["intro"], pt) or lexicon("imr").top(pt):
            break
        if pt.endswith(":") and not (bold_mode and prev.bold and cur.bold):
            break  # a lead-in ("... set forth below:"); in bold type, a wrapped item instead
        partial = _search(c["partial_tail"], text) and not _search(c["partial_head"], text)
        if cur.gap_before >= thr:
            break
        if bold_mode and cur.bold and not prev.bold:
            break
        if not bold_mode or not cur.bold:
            if _SENTENCE_END.search(pt) and not partial:
                break
        text = pt + " " + text
        j -= 1
    return j


def _labelled_items(lines: list[Line], start: int, end: int, thr: int) -> list[_Item]:
    c = _rules().compiled
    lex = lexicon("imr")
    # 1. outcome anchors: the last line of each item
    anchors: list[int] = []
    for i in range(start, end):
        t = lines[i].text.strip()
        if _label(t) or _full(c["intro"], t):
            continue
        nxt = lines[i + 1].text.strip() if i + 1 < end else ""
        followed = i + 1 >= end or bool(_label(nxt)) or lines[i].bold
        if c["outcome_word"].fullmatch(t, timeout=limit(t, _T)):
            if i > start and not _label(lines[i - 1].text):
                anchors.append(i)
        elif _outcome_split(t) and (followed or not nxt):
            anchors.append(i)
        elif _outcome_split(t) and (_outcome_split(nxt) or lines[i + 1].gap_before >= thr):
            anchors.append(i)
    # items listed without outcomes: each first label of a block closes one
    by_label = False
    if not anchors:
        by_label = True
        prev_kind = None
        for i in range(start, end):
            lab = _label(lines[i].text)
            if lab and lab[0] == "claims_administrator" or lab and prev_kind is None:
                if i - 1 >= start and not _label(lines[i - 1].text):
                    anchors.append(i - 1)
                prev_kind = lab[0] if lab else prev_kind
    bold_any = any(lines[a].bold for a in anchors)
    aset = set(anchors)
    starts: list[int] = []
    floor = start
    for a in anchors:
        bold_mode = bold_any and (lines[a].bold or (a > floor and lines[a - 1].bold))
        s = _item_start(lines, a, floor, thr, bold_mode, aset - {a})
        starts.append(s)
        floor = a + 1
    items: list[_Item] = []
    for k, (s, a) in enumerate(zip(starts, anchors, strict=True)):
        stop = starts[k + 1] if k + 1 < len(starts) else end
        block = lines[s:stop]
        head = _join(lines[s : a + 1])
        if by_label:
            verdict = c["verdict"].search(head, timeout=limit(head, _T))
            if verdict and head[: verdict.start()].strip():
                request = _clean_request(head[: verdict.start()])
                outcome = "upheld" if verdict["neg"] else "overturned"
            else:
                request, outcome = _clean_request(head), None
        else:
            word = c["outcome_word"].fullmatch(lines[a].text.strip(),
                                               timeout=limit(lines[a].text, _T))
            if word and a > s:
                request = _clean_request(_join(lines[s:a]))
                outcome = _outcome_word(word["out"])
            else:
                split = _outcome_split(head)
                request = _clean_request(split[0] if split else head)
                outcome = _outcome_word(split[1]) if split else None
        parts = _split_parts(lines[a + 1 : stop])
        if outcome is None:
            outcome = _outcome_from_text(parts.get("rationale", ""))
        if request and not lex.top(request):
            items.append(_Item(request, outcome, block, parts))
    return items


# --- decisions: 2013 notices (7b) --------------------------------------------------------------


def _numbered_runs(
    lines: list[Line], start: int, end: int, opener: regex.Pattern[str], done: str
) -> list[tuple[int, int]]:
    """(first, last) line of each numbered sentence that `opener` starts, joined until a line
    ends with `done` punctuation (at most 6 lines)."""
    runs = []
    i = start
    while i < end:
        if opener.match(lines[i].text.strip(), timeout=limit(lines[i].text, _T)):
            j = i
            while j + 1 < end and j - i < 5 and not lines[j].text.strip().endswith(tuple(done)):
                if opener.match(lines[j + 1].text.strip(), timeout=limit(lines[j + 1].text, _T)):
                    break
                j += 1
            runs.append((i, j))
            i = j + 1
        else:
            i += 1
    return runs


def _notice_items(lines: list[Line], start: int, end: int) -> list[_Item]:
    """Numbered verdict statements (request and outcome; a letter repeats them, the first one
    counts) joined by number with the numbered detail blocks (guidelines and rationale)."""
    c = _rules().compiled
    statements: dict[str, tuple[str, str, list[Line]]] = {}
    for i, j in _numbered_runs(lines, start, end, c["statement_start"], "."):
        m = c["statement"].match(joined := _join(lines[i : j + 1]), timeout=limit(joined, _T))
        if m and m["n"] not in statements:
            verdict = "upheld" if "not" in m["verdict"].lower() else "overturned"
            statements[m["n"]] = (_clean_request(m["req"]), verdict, lines[i : j + 1])
    blocks: dict[str, tuple[str, list[Line], list[Line]]] = {}  # request, block, detail lines
    runs = _numbered_runs(lines, start, end, c["block_start"], ":")
    for k, (i, j) in enumerate(runs):
        m = c["block"].match(joined := _join(lines[i : j + 1]), timeout=limit(joined, _T))
        stop = runs[k + 1][0] if k + 1 < len(runs) else _end_of_letter(lines, j + 1, end)
        if m and m["n"] not in blocks:
            blocks[m["n"]] = (_clean_request(m["req"]), lines[i:stop], lines[j + 1 : stop])
    order = list(statements) + [n for n in blocks if n not in statements]
    items: list[_Item] = []
    for n in order:
        request, block, detail = blocks.get(n, ("", [], []))
        parts = _split_parts(detail)
        outcome: str | None
        if n in statements:
            request, outcome, stmt_lines = statements[n]
        else:
            outcome, stmt_lines = _outcome_from_text(parts.get("rationale", "")), []
        # the evidence is the detail block where there is one (it names the request again)
        items.append(_Item(request, outcome, block or stmt_lines, parts))
    return items


# --- decisions: medical professional reviews (7c) ----------------------------------------------


def _numbered_chunks(lines: list[Line]) -> list[list[Line]]:
    chunks: list[list[Line]] = []
    for line in lines:
        if _re(r"^\s*\(?\d{1,2}[.)]\s+").match(line.text) or not chunks:
            chunks.append([line])
        else:
            chunks[-1].append(line)
    return chunks


def _strip_number(text: str) -> str:
    return _re(r"^\s*\(?\d{1,2}[.)]\s+").sub("", text)


def _review_items(lines: list[Line], regions: list[_Region]) -> list[_Item]:
    c = _rules().compiled
    items: list[_Item] = []
    issues_at = [k for k, r in enumerate(regions)
                 if r.kind == "decisions" and r.heading is not None
                 and _re(r"issues?\s+at\s+dispute", _FLAGS).search(r.heading.text)]
    for n, k in enumerate(issues_at):
        stop = issues_at[n + 1] if n + 1 < len(issues_at) else len(regions)
        issue = regions[k]
        chunks = [ch for ch in _numbered_chunks(lines[issue.start : issue.end]) if ch]
        guide = [r for r in regions[k + 1 : stop] if r.kind == "guidelines"]
        rat = [r for r in regions[k + 1 : stop] if r.kind == "rationale"]
        g_chunks = _numbered_chunks(lines[guide[0].start : guide[0].end]) if guide else []
        r_chunks = _numbered_chunks(lines[rat[0].start : rat[0].end]) if rat else []
        outcome = None
        if rat and rat[0].heading is not None:
            heading = rat[0].heading.text
            if c["review_not"].search(heading, timeout=limit(heading, _T)):
                outcome = "upheld"
            elif c["review_yes"].search(heading, timeout=limit(heading, _T)):
                outcome = "overturned"
        for q, chunk in enumerate(chunks):
            req = c["issue_lead"].sub("", _strip_number(_join(chunk)), count=1)
            req = c["issue_tail"].sub("", req, count=1).strip(" .:?")
            if not req:
                continue
            same = len(g_chunks) == len(chunks)
            g_lines = g_chunks[q] if same and g_chunks else [ln for ch in g_chunks for ln in ch]
            same = len(r_chunks) == len(chunks)
            r_lines = r_chunks[q] if same and r_chunks else [ln for ch in r_chunks for ln in ch]
            parts = {}
            if g_lines:
                parts["reviewer"] = _strip_number(_join(g_lines))
            if r_lines:
                parts["rationale"] = _strip_number(_join(r_lines))
            out = outcome or _outcome_from_text(parts.get("rationale", ""))
            # one issue: its evidence runs from the issue to the end of its rationale
            block = lines[issue.start : rat[0].end] if len(chunks) == 1 and rat else chunk
            items.append(_Item(req, out, block, parts))
    return items


# --- guideline citations (8) -------------------------------------------------------------------


def _pages(text: str) -> list[str]:
    c = _rules().compiled
    out: list[str] = []
    for m in c["g_pages"].finditer(text, timeout=limit(text, _T)):
        for p in _re(r",|\band\b|&").split(m["v"]):
            p = _re(r"(?<=\d)\s*[-–]\s*(?=\d)").sub("-", p.strip())
            if p and p not in out:
                out.append(p)
    return out


def _sections(text: str) -> list[str]:
    """Section names split at commas that start a new capitalised or numbered name, outside
    parentheses ("Naproxen (Naprosyn, Anaprox)" is one name)."""
    text = clean_space(text).rstrip(" .;")
    out: list[str] = []
    depth, last = 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0 and _re(r",\s+(?:and\s+)?[A-Z0-9]").match(text, i):
            out.append(text[last:i])
            last = i + 1
    out.append(text[last:])
    parts = [_re(r"^and\s+").sub("", p.strip(" .;")) for p in out]
    return [p for p in parts if p]


def _source_of(text: str) -> str | None:
    for sid, pat in _rules().compiled["g_sources"]:
        if pat.search(text, timeout=limit(text, _T)):
            return sid
    return None


def _all_sources(text: str) -> list[str]:
    tmo = limit(text, _T)
    return [sid for sid, pat in _rules().compiled["g_sources"] if pat.search(text, timeout=tmo)]


def _split_chapters(text: str) -> list[str]:
    """'Knee Complaints 2004, and Chronic Pain Medical Treatment 2016, Section(s): ...' -> one
    piece per MTUS chapter. A split needs a year since the previous one, so the commas and "and"
    of a title ("Forearm, Wrist, and Hand Complaints 2004") stay inside it."""
    c = _rules().compiled
    pieces: list[str] = []
    last = 0
    for m in c["g_mtus_split"].finditer(text, timeout=limit(text, _T)):
        if c["g_year"].search(text[last : m.start()], timeout=limit(text, _T)):
            pieces.append(text[last : m.start()])
            last = m.end()
    pieces.append(text[last:])
    return pieces


def _mtus_parts(segment: str) -> list[GuidelineCitation]:
    c = _rules().compiled
    rest = c["g_mtus"].sub("", segment, count=1).strip() if c["g_mtus"].match(segment) else segment
    out: list[GuidelineCitation] = []
    for piece in _split_chapters(rest):
        piece = piece.strip(" .;,")
        if not piece:
            continue
        m = c["g_mtus_part"].fullmatch(piece, timeout=limit(piece, _T))
        sources = ["MTUS"] + [s for s in _all_sources(segment) if s != "MTUS"]
        if not m:
            out.append(GuidelineCitation(text=piece, source="MTUS", sources=sources,
                                         pages=_pages(piece)))
            continue
        title = clean_space(m["title"] or "").strip(" ,.;") or None
        out.append(GuidelineCitation(
            text=piece, source="MTUS", title=title, chapter=m["chapter"],
            sections=_sections(m["sections"]) if m["sections"] else [],
            pages=_pages(piece), year=m["year"], sources=sources,
        ))
    return out


def _other_part(segment: str, non_mtus: bool) -> GuidelineCitation:
    c = _rules().compiled
    segment = _strip_lead(segment)
    source = _source_of(segment)
    if non_mtus and source == "MTUS":
        source = None
    if source is None:
        source = "non_mtus" if non_mtus else None
    title = segment
    for pat in c["g_names"]:
        title = pat.sub("", title, count=1)
    title = c["g_pages"].sub("", title).replace("()", "")
    title = _strip_tail(title)
    title = c["g_edition"].sub("", title, count=1)  # "2nd Edition (2004), Chapter 7, X" -> "X"
    sections: list[str] = []
    m = c["g_titled"].fullmatch(title, timeout=limit(title, _T))
    if m:  # "Chronic Pain Medical Treatment Guidelines (2009), Opioids, Tramadol"
        title, sections = m["title"], _sections(m["rest"])
    name = clean_space(title).strip(" ,.;:-–") or None
    chapter = c["g_chapter"].search(segment, timeout=limit(segment, _T)) or (
        c["g_named_chapter"].search(name, timeout=limit(name, _T)) if name else None
    )
    year = c["g_year"].search(segment, timeout=limit(segment, _T))
    return GuidelineCitation(
        text=segment.strip(), source=source, title=name, chapter=chapter["v"] if chapter else None,
        sections=sections, pages=_pages(segment), year=year["v"] if year else None,
        sources=_all_sources(segment),
    )


def _strip_lead(text: str) -> str:
    """'The Claims Administrator based its decision on the X' -> 'X'."""
    for pat in _rules().compiled["g_lead"]:
        m = pat.match(text, timeout=limit(text, _T))
        if m:
            return text[m.end():]
    return text


def _strip_tail(text: str) -> str:
    """Drop "part of the MTUS" and the empty list slots left where pages were removed."""
    for pat in _rules().compiled["g_tail"]:
        text = pat.sub("", text)
    text = _re(r"(?:\s*,){2,}").sub(",", text)
    return clean_space(text).strip(" ,.;:-–")


def parse_guideline(text: str | None) -> GuidelineCitation | None:
    """A guideline text as written -> parsed citation (null where nothing was cited)."""
    c = _rules().compiled
    if not text or not text.strip() or _search(c["g_none"], text):
        return None
    text = clean_space(text)
    pieces = c["g_segment"].split(text, timeout=limit(text, _T))
    segments = [s.strip() for s in pieces[1:] if s.strip()]
    if not segments:
        segments = [text]
    parsed: list[GuidelineCitation] = []
    for seg in segments:
        m = c["g_non_mtus"].match(seg, timeout=limit(seg, _T))
        if m:
            parsed.append(_other_part(seg[m.end():], non_mtus=True))
        elif c["g_mtus"].match(seg, timeout=limit(seg, _T)):
            parsed.extend(_mtus_parts(seg))
        else:
            parsed.append(_other_part(seg, non_mtus=False))
    if not parsed:
        return GuidelineCitation(text=text)
    first = parsed[0]
    sources: list[str] = []
    for p in parsed:
        for s in p.sources or ([p.source] if p.source else []):
            if s not in sources:
                sources.append(s)
    return first.model_copy(update={"text": text, "sources": sources, "additional": parsed[1:]})


# --- assembly ----------------------------------------------------------------------------------


def _partial(request: str) -> PartialRequest | None:
    """'X was the original request. Y was authorized by the Claims Administrator. The remaining
    IMR eligible portion of the original request, Z' -> (X, Y, Z)."""
    c = _rules().compiled
    m = c["partial_original"].search(request, timeout=limit(request, _T))
    if not m:
        return None
    rest = request[m.end():]
    auth = _search(c["partial_authorized"], rest)
    disputed = _search(c["partial_disputed"], rest)
    return PartialRequest(
        original=m["v"].strip(),
        authorized=auth["v"].strip() if auth else None,
        disputed=disputed["v"].strip(" .") if disputed else None,
    )


def _decision(item: _Item) -> Decision:
    ca = parse_guideline(item.parts.get("claims_administrator"))
    rv_text = item.parts.get("reviewer")
    rv = parse_guideline(rv_text)
    if rv is not None and ca is not None and _search(_rules().compiled["same_as_ca"], rv.text):
        rv = ca.model_copy(update={"text": rv.text})
    outcome = item.outcome
    first, last = item.lines[0], item.lines[-1]
    return Decision(
        request=item.request,
        outcome=outcome,  # type: ignore[arg-type]
        medically_necessary=None if outcome is None else outcome == "overturned",
        partial=_partial(item.request),
        claims_administrator_guideline=ca,
        reviewer_guideline=rv,
        rationale=item.parts.get("rationale") or None,
        span=(first.start, max(first.start, last.end)),
        page=first.page,
    )


def _decisions(
    lines: list[Line], regions: list[_Region], layout: str | None, thr: int
) -> list[Decision]:
    dec = [r for r in regions if r.kind == "decisions" and r.heading is not None]
    start = dec[0].start if dec else 0
    # the items end where a section of another kind opens (DOCUMENTS REVIEWED after the
    # decisions in some layouts) or where the letter's closing starts
    stop = next((r.start - 1 for r in regions if r.heading is not None and r.start > start
                 and r.kind in _AFTER_DECISIONS), len(lines))
    body_end = _end_of_letter(lines, start, stop)
    strategies = {
        "notice_2013": ("notice", "labelled", "review"),
        "medical_professional_review": ("review", "labelled", "notice"),
    }.get(layout or "", ("labelled", "notice", "review"))
    for name in strategies:
        if name == "labelled":
            items = _labelled_items(lines, start, body_end, thr)
            if not items and start:
                items = _labelled_items(lines, 0, _end_of_letter(lines, 0, len(lines)), thr)
        elif name == "notice":
            items = _notice_items(lines, 0, _end_of_letter(lines, 0, len(lines)))
            if items and not any(it.parts for it in items):
                # verdicts in a notice, details in attached professional reviews, item by item
                reviews = _review_items(lines, regions)
                if len(reviews) == len(items):
                    for it, rv in zip(items, reviews, strict=True):
                        it.parts = rv.parts
        else:
            items = _review_items(lines, regions)
        if items:
            return [_decision(it) for it in items]
    return []


def extract(ctx: Context) -> ImrFields:
    lines = _letter_lines(ctx)
    if not lines:
        ctx.issue("I_IMR_LAYOUT_UNKNOWN", "the letter has no text lines")
        return ImrFields()
    text = "\n".join(ln.text for ln in lines)
    layout = _layout(text)
    if layout is None:
        ctx.issue("I_IMR_LAYOUT_UNKNOWN", "no known IMR letter layout matched; fields are "
                  "extracted with the generic rules", (lines[0].start, lines[-1].end))
    regions = _regions(lines)
    header = "\n".join(ln.text for ln in _header_lines(lines, regions))
    metadata = _metadata(text, header, layout)
    thr = 2 if is_double_spaced(lines) else 1
    decisions = _decisions(lines, regions, layout, thr)
    if not decisions:
        ctx.issue("I_IMR_NO_DECISIONS", "no disputed item was found in the letter")
    for d in decisions:
        if d.outcome is None:
            ctx.issue("I_IMR_NO_OUTCOME", f"no outcome found for: {d.request[:80]}", d.span)
    return ImrFields(
        metadata=metadata,
        reviewer=_reviewer(lines, regions, thr),
        patient=_patient(lines, regions, metadata.date_of_injury),
        decisions=decisions,
    )

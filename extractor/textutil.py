r"""Small text helpers shared by the stages: folding for comparison (also of many lines at
once), word tokens, the regex time limit, and gates that spare a stage most of its pattern
calls (speed only, never a result: every gate lets through each text where its pattern could
match, and the pattern then decides as before):
  - `PrefixGate`: may a pattern match at the start of a line, judged once per distinct first
    few characters (most lines open with words no rule can open with);
  - literal gates (`required_literals`, `literal_cover`, `lines_with`): the words a pattern
    cannot match without, read from its source and looked for with `str.find`, which is about
    ten times faster than any regex scan.
The regex module is slow in ways worth knowing: `timeout=` costs ~2 us a call and turns off
its fast search for a literal prefix (see `limit`), and a case-insensitive V1 pattern (full
case folding) reads a set that mixes \w with other items ~100x slower than "(?:\w|[...])"."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, compress
from operator import add, itemgetter, not_
from typing import Protocol

import regex

_FOLD_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-",
    "\u2014": "-", "\u2212": "-", "\u00a0": " ", "\u2026": "...", "\ufffe": "",
}
WORD = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower case, NFKC, typographic quotes and dashes made plain, runs of spaces folded."""
    if not text.isascii():  # ASCII is its own NFKC form and holds none of the characters
        text = unicodedata.normalize("NFKC", text)
        # one `str.replace` per character present: each is a C-level scan, several times
        # faster than a regex substitution calling back into Python (or `str.translate`, which
        # looks up every character); the replacements are ASCII, so their order is free
        for ch, plain in _FOLD_MAP.items():
            if ch in text:
                text = text.replace(ch, plain)
    # `str.split()` splits at exactly the characters `re`'s \s matches (`str.isspace`)
    return " ".join(text.split()).lower()


def clean_space(text: str) -> str:
    """Runs of white space folded to one space (keeps case and characters)."""
    return " ".join(text.split())


def more_words(text: str, n: int) -> bool:
    """`len(text.split()) > n`, without splitting all of a long line (nor a line too short to
    hold n + 1 words, which takes 2n + 1 characters)."""
    return len(text) > 2 * n and len(text.split(None, n)) > n


def words(text: str) -> list[str]:
    """Folded word tokens (letters and digits)."""
    return WORD.findall(fold(text))


# ASCII white space other than the space itself (`str.split()` splits at each)
_ASCII_SPACES = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f"


def fold_lines(texts: list[str]) -> list[str]:
    """`[fold(t) for t in texts]`, the ASCII texts at once: joined by line feeds, lower-cased
    and split in C, each row stripped by a C-level map, and only the rows found holding other
    white space than single spaces folded on their own (a few calls per text cost more than
    the work). Any other text is folded alone (NFKC is slow on long text, even ASCII)."""
    plain = list(map(str.isascii, texts))
    batch = texts if all(plain) else list(compress(texts, plain))
    joined = "\n".join(batch).lower()
    rows = joined.split("\n") if batch else []
    if len(rows) != len(batch):  # a text holds a line feed
        return [fold(text) for text in texts]
    if any(ch in joined for ch in _ASCII_SPACES):  # rare: find such rows one by one
        messy = [k for k, row in enumerate(rows) if not row.isprintable()]
    else:
        messy = []
    if "  " in joined:  # runs of spaces: find their rows
        ends = list(map(add, accumulate(map(len, rows)), range(len(rows))))  # each row's LF
        at = joined.find("  ")
        while at >= 0:
            k = bisect_left(ends, at)
            messy.append(k)
            at = joined.find("  ", ends[k] + 1)
    rows = list(map(str.strip, rows))
    for k in messy:
        rows[k] = " ".join(rows[k].split())
    if batch is texts:
        return rows
    out: list[str] = []  # the ASCII rows in runs, each other text folded between them
    taken = 0
    for k in compress(range(len(texts)), map(not_, plain)):
        run = k - len(out)  # the ASCII texts before text k not placed yet
        out += rows[taken : taken + run]
        taken += run
        out.append(fold(texts[k]))
    return out + rows[taken:]


# --- regex time limits -----------------------------------------------------------------------

# The regex module's `timeout=` costs about 2 microseconds a call whatever the text (measured
# here: 0.4 us for a short failed match without it, 2.4 us with it), more than the match itself
# on a line, and the stages make thousands of calls per document. The work of a pattern on a
# short text is bounded whatever the pattern: tests/test_regex_safety.py keeps every pattern
# linear on adversarial input but a few known quadratic ones, and a quadratic pattern on 1,000
# characters takes about a millisecond. So the timeout is only paid where the text is long:
# a whole document, joined lines, or a line gone wrong (a text file without line breaks).
SHORT = 1_000


def limit(text: str, seconds: float) -> float | None:
    """The `timeout=` for a regex call on `text`: None (no clock) below SHORT characters."""
    return seconds if len(text) >= SHORT else None


# --- reading pattern sources -----------------------------------------------------------------


def alternation(patterns: list[str]) -> str:
    """One non-capturing group matching where any of `patterns` matches."""
    return "(?:" + "|".join(f"(?:{p})" for p in patterns) + ")"


# What makes a pattern read the edge of a text differently from the same place inside a longer
# text (PrefixGate tries patterns on a line's first characters): anchors to the whole string,
# negative lookarounds (the edge holds nothing where the longer text holds a character), inline
# flags. Without them, every match in the longer text is found, or stays partial, at the edge
# ("^"/"$" and "\b" read an edge as they read a line break; "(?=\s|$)" and "(?<![\w#])" too).
EDGE_SENSITIVE = regex.compile(r"\\[AZzG]|\(\?(?![:=]|<=)")
# ... but a named group is only a group, and a negative lookaround of one character class that
# cannot match a newline reads a newline as it reads a line's edge ("(?![\p{L}\p{N}])")
_NAMED_GROUP = regex.compile(r"\(\?P<\w+>")
_NEGATIVE_CLASS = regex.compile(r"\(\?<?!(\[(?:\\.|[^\]\\\[])*\])\)")


def edge_sensitive(src: str, flags: int = regex.I | regex.V1) -> bool:
    """Could `src` match a line alone where it does not match that place in the joined text?"""

    def lookaround(m: regex.Match[str]) -> str:
        try:
            blind = regex.compile(m.group(1), flags).match("\n") is None
        except regex.error:
            blind = False
        return "" if blind else m.group(0)

    src = _NEGATIVE_CLASS.sub(lookaround, _NAMED_GROUP.sub("(", src))
    return EDGE_SENSITIVE.search(src) is not None


class _Unread(Exception):
    """A set inside a set (regex V1) or a POSIX class: beyond the readers of pattern sources."""


def _syntax(src: str, i: int = 0) -> Iterator[tuple[int, str, int]]:
    """The structure of a pattern's source from offset `i`, escapes and set contents skipped:
    (offset, character, group depth after it) for each "(", ")", top-level-of-a-set "]" (the
    end of a set) and "|" outside sets. Raises _Unread at a set inside a set."""
    depth, in_class = 0, False
    while i < len(src):
        ch = src[i]
        if ch == "\\":
            i += 2
            continue
        if in_class:
            if ch == "[":
                raise _Unread
            if ch == "]":
                in_class = False
                yield i, ch, depth
        elif ch == "[":
            in_class = True
            if src[i + 1 : i + 2] == "^":
                i += 1
            if src[i + 1 : i + 2] == "]":  # a "]" first in a class is a character
                i += 1
        elif ch in "()":
            depth += 1 if ch == "(" else -1
            yield i, ch, depth
        elif ch == "|":
            yield i, ch, depth
        i += 1


def split_alternatives(src: str) -> list[str]:
    """The top-level alternatives of a pattern ("a|b(c|d)" -> ["a", "b(c|d)"]); the whole
    pattern where it holds a set inside a set."""
    out: list[str] = []
    start = 0
    try:
        for i, ch, depth in _syntax(src):
            if ch == "|" and depth == 0:
                out.append(src[start:i])
                start = i + 1
    except _Unread:  # not worth reading: keep it whole
        return [src]
    out.append(src[start:])
    return out


def line_offsets(texts: list[str]) -> list[int]:
    """Offsets of the texts in the texts joined by newlines."""
    firsts: list[int] = []
    pos = 0
    for text in texts:
        firsts.append(pos)
        pos += len(text) + 1
    return firsts


# --- literal gates ----------------------------------------------------------------------------

# A literal scan (`str.find`) reads a text about ten times faster than the fastest regular
# expression scan: a pattern that cannot match without one of a few words is searched only
# where such a word stands. The words are read from the pattern itself (`required_literals`)
# and searched in a folded copy of the text (`ascii_folded`), so that no rule file repeats them.

# Characters that a case-insensitive pattern of the regex module (full case folding) may read as
# ASCII letters: "ß" as "ss", "ﬁ" as "fi", the long s as "s", the Kelvin sign as "k", ...
# (tests/test_textutil_literals.py checks the list against all of Unicode)
FOLDS_TO_ASCII = (
    "\u00df\u0130\u0149\u017f\u01f0\u1e96\u1e97\u1e98\u1e99\u1e9a\u1e9e\u212a"
    "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"
)
_FOLDS_TO_ASCII = re.compile(f"[{FOLDS_TO_ASCII}]")
UNSURE = "\x00"  # stands for those characters in a folded text: a literal may hide there


def ascii_folded(text: str) -> str:
    """`text`, offset for offset, with ASCII letters in lower case, other characters that are
    not ASCII as "?" and those of FOLDS_TO_ASCII as UNSURE: where a case-insensitive pattern
    matches `text`, each ASCII literal it requires stands at the same place in the folded text,
    or the match holds an UNSURE."""
    last_text, last_folded = _FOLDED[0]
    if last_text is text:  # the stages of one document fold its text once
        return last_folded
    long = len(text) >= SHORT  # (a short text is folded afresh: it would evict a document)
    # "replace" writes one "?" per character: offsets are kept, and an ASCII string lower-cases
    # much faster than one that is not
    folded = text.encode("ascii", "replace").decode("ascii").lower()
    if not text.isascii() and any(c in text for c in FOLDS_TO_ASCII):
        chars = list(folded)
        for m in _FOLDS_TO_ASCII.finditer(text):
            chars[m.start()] = UNSURE
        folded = "".join(chars)
    if long:
        _FOLDED[0] = (text, folded)  # one swap: a thread reads a text and its fold together
    return folded


_FOLDED: list[tuple[str, str]] = [("", "")]  # the last long text folded, and its fold


_LITERAL_CHAR = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_CODE_POINT = re.compile(r"\\(?:x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4}))")


def _plain_class(body: str) -> str | None:
    """The characters of a class of plain characters ("[\\u2013\\u2014-]"); None for any other
    (negated, ranges, escapes that stand for sets)."""
    if not body or body.startswith("^"):
        return None
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\":
            m = _CODE_POINT.match(body, i)
            if m:
                out.append(chr(int(m.group(1) or m.group(2), 16)))
                i = m.end()
                continue
            if body[i + 1 : i + 2].isalnum() or not body[i + 1 : i + 2]:
                return None  # "\\s", "\\d": sets
            out.append(body[i + 1])
            i += 2
            continue
        if body[i] == "-" and 0 < i < len(body) - 1:
            return None  # a range
        out.append(body[i])
        i += 1
    return "".join(out)


_COUNT = re.compile(r"\{(\d*)(?:,(\d*))?\}")


def _closing(src: str, i: int) -> int:
    """Offset after the group or class opening at `i`; -1 where the pattern is beyond this
    reading (a set inside a set, an unbalanced group)."""
    try:
        for j, ch, depth in _syntax(src, i):
            if depth == 0 and ch in ")]":
                return j + 1
            if depth < 0:
                return -1
    except _Unread:
        return -1
    return -1


def _sequence_literals(src: str, exact: bool = False) -> list[frozenset[str]] | None:
    """The literal sets of one alternative's required parts (each part needs one of its set);
    None where the pattern is beyond this reading. `exact`: the pattern minds case, and any
    literal character counts (a class of plain characters is a part of single characters)."""
    parts: list[frozenset[str]] = []
    run = ""

    def flush() -> None:
        nonlocal run
        if run:
            parts.append(frozenset([run]))
        run = ""

    i = 0
    while i < len(src):
        ch = src[i]
        literal: str | None = None
        body: str | None = None  # a group's content, required as a whole
        if ch == "\\":
            nxt = src[i + 1 : i + 2]
            if not nxt or nxt in "LgNpPQ":  # named lists, calls, properties: not read
                return None
            if m := _CODE_POINT.match(src, i):  # "\u2013"
                j, literal = m.end(), chr(int(m.group(1) or m.group(2), 16))
            elif nxt in "xuU":
                return None
            else:
                j = i + 2
                literal = None if nxt.isalnum() else nxt  # \s, \d, \b, \1 are no literal
        elif ch == "[":
            j = _closing(src, i)
            if j < 0:
                return None
            chars = _plain_class(src[i + 1 : j - 1]) if exact else None
            if chars:
                body = "|".join(re.escape(c) for c in chars)  # one of these characters
        elif ch == "(":
            j = _closing(src, i)
            if j < 0:
                return None
            inner = src[i + 1 : j - 1]
            if not inner.startswith("?"):
                body = inner
            elif inner.startswith(("?:", "?>")):
                body = inner[2:]
            elif inner.startswith("?P<") and ">" in inner:
                body = inner[inner.index(">") + 1:]
            elif re.match(r"\?[a-z-]*x", inner):
                return None  # verbose mode: spaces and "#" comments are no literals
            elif exact and re.match(r"\?[a-z]*i", inner):
                return None  # case turned off
            elif m := re.match(r"\?-?[a-z]+(?:-[a-z]+)?:", inner):
                body = inner[m.end():]  # scoped flags: still required (a superset when -i)
            # lookarounds, conditionals, bare flags: nothing required here
        elif ch in "|)":
            return None  # top-level alternatives are split by the caller
        else:
            j = i + 1
            literal = None if ch in ".^$" else ch
        # the quantifier of the part
        least = 1
        q = src[j : j + 1]
        if q in ("?", "*"):
            least, j = 0, j + 1
        elif q == "+":
            j += 1
        elif q == "{":
            m = _COUNT.match(src, j)
            if not m:
                return None  # fuzzy matching ("{e<=1}") or a brace this reading does not know
            least, j = int(m.group(1) or 0), m.end()
        else:
            q = ""
        if q and src[j : j + 1] in ("?", "+"):
            j += 1  # lazy or possessive
        if literal is not None and least >= 1 and (exact or literal.lower() in _LITERAL_CHAR):
            run += literal if exact else literal.lower()
            if q:
                flush()  # "ab+c" requires "ab", not "abc"
        else:
            flush()
            if body is not None and least >= 1:
                inner_set = required_literals(body, exact)
                if inner_set:
                    parts.append(inner_set)
        i = j
    flush()
    return parts


def _best_part(parts: list[frozenset[str]]) -> frozenset[str]:
    """The part whose shortest literal is longest (fewer chance finds), then the smallest."""
    return max(parts, key=lambda part: (min(len(lit) for lit in part), -len(part)))


def required_literals(src: str, exact: bool = False) -> frozenset[str] | None:
    """Literals (lower-case ASCII letters and digits) one of which every match of the pattern
    `src` holds, read case-insensitively: per top-level alternative, its longest required run of
    literal characters (a required group counts with its own alternatives). None where some
    alternative shows no such run, or the pattern is beyond this reading (then gate nothing).
    `exact`, for a pattern that minds case: literals of any characters, as they stand in the
    text (not folded)."""
    out: set[str] = set()
    for alt in split_alternatives(src):
        parts = _sequence_literals(alt, exact)
        if not parts:
            return None
        out |= _best_part(parts)
    return frozenset(out)


def literal_parts(src: str) -> list[frozenset[str]] | None:
    """For a pattern without top-level alternatives: per required part, literals one of which
    every match holds there (all parts are required: "You\\s+are\\s+here" needs "you", "are"
    and "here"); None where it has alternatives or shows no literal."""
    alts = split_alternatives(src)
    return _sequence_literals(alts[0]) or None if len(alts) == 1 else None


def literal_cover(sources: list[str]) -> dict[str, list[int]] | None:
    """Few literals one of which every match of any of `sources` holds, each with the sources
    (indices) that may match where it stands: a source matches only where a literal that names
    it stands. Each source's alternatives are read as by `required_literals`; the literals are
    chosen greedily (the one that most alternatives require first, then the longest). None
    when an alternative shows none."""
    needs: list[tuple[int, list[frozenset[str]]]] = []  # per alternative: source, parts
    for n, src in enumerate(sources):
        for alt in split_alternatives(src):
            parts = _sequence_literals(alt)
            if not parts:
                return None
            needs.append((n, parts))
    cover: dict[str, list[int]] = {}
    while needs:
        # every literal of a one-literal part may be chosen; a part of several is taken whole
        score: Counter[str] = Counter()  # in the order first seen: ties go the same way
        for _, parts in needs:
            score.update(dict.fromkeys((lit for p in parts if len(p) == 1 for lit in p), 1))
        if score:
            best = max(score, key=lambda lit: (score[lit], len(lit)))
            covered = [(n, parts) for n, parts in needs if frozenset([best]) in parts]
            needs = [(n, parts) for n, parts in needs if frozenset([best]) not in parts]
            chosen = [best]
        else:
            n, parts = needs.pop(0)
            covered = [(n, parts)]
            chosen = sorted(_best_part(parts))
        for lit in chosen:
            names = cover.setdefault(lit, [])
            names.extend(n for n, _ in covered if n not in names)
    return {lit: sorted(names) for lit, names in cover.items()}


def literal_offsets(
    folded: str, literals: Iterable[str], start: int = 0, end: int | None = None
) -> Iterator[tuple[int, str]]:
    """(offset, literal) wherever one of `literals` or an UNSURE stands in `folded[start:end]`
    (an `ascii_folded` text), in order of offset, then of `literals`, found lazily: window by
    window, each twice as long as the one before, so that a caller that stops at an early find
    has read little of the text."""
    end = len(folded) if end is None else end
    needles = (*literals, UNSURE)
    lo, size = start, 4096
    while lo < end:
        hi = min(end, lo + size)
        hits: list[tuple[int, int]] = []
        for n, w in enumerate(needles):
            stop = min(end, hi + len(w) - 1)  # a find that begins in the window counts
            i = folded.find(w, lo, stop)
            while i >= 0:
                hits.append((i, n))
                i = folded.find(w, i + 1, stop)
        hits.sort()
        for i, n in hits:
            yield i, needles[n]
        lo, size = hi, size * 2



class Spanned(Protocol):
    """A line of a document: where it starts and ends in the document's text."""

    @property
    def start(self) -> int: ...

    @property
    def end(self) -> int: ...


def _start(line: Spanned) -> int:
    return line.start


def lines_with(
    folded: str,
    literals: Iterable[str] | None,
    lines: Sequence[Spanned],
    starts: Sequence[int] | None = None,
) -> Iterator[tuple[int, set[str]]]:
    """(index, literals found) of the lines where one of `literals` or an UNSURE stands in
    `folded` (the `ascii_folded` text of the document the lines, in order, are spans of), in
    order and found lazily; every line, with none found, when `literals` is None (no gate).
    `starts`: the lines' starts, if at hand (it may run on past the lines)."""
    if literals is None:
        for k in range(len(lines)):
            yield k, set()
        return
    if not lines:
        return
    n = len(lines)
    last, found = -1, set[str]()
    for at, word in literal_offsets(folded, literals, lines[0].start, lines[-1].end):
        k = (bisect_right(lines, at, key=_start) if starts is None
             else bisect_right(starts, at, 0, n)) - 1
        if k != last and found:
            yield last, found
            found = set()
        if at < lines[k].end:
            last = k
            found.add(word)
    if found:
        yield last, found


# --- prefix gates -----------------------------------------------------------------------------


class PrefixGate:
    """May `pattern` match at the start of a text, judged from its first `width` characters?

    Speed only, never a result: a stage that tries a pattern at the start of every line asks
    the gate first, and tries the pattern only on the lines it lets through. The gate judges a
    new prefix once, by a partial match (the regex module's `partial=True`: the probe matches,
    or a longer text starting with it could), and remembers the answer: lines share their first
    characters across a document and a batch, so most lines cost one dictionary look-up, where
    trying an alternation of many rules costs about a microsecond a line. `prepare` maps a
    text's prefix to a prefix of the text the pattern is tried on (e.g. `clean_space`, which
    keeps a prefix a prefix). The memo holds at most `memo_size` prefixes.

    Why it never shuts out a text that `pattern.match` accepts: the probe is the longest start
    of the (prepared) prefix that ends with a word character, and the partial match retraces
    the text's match over it. Only zero-width tests at the probe's end could read it otherwise:
    "$", "\\Z" and lookaheads needing more text pass or stay partial, "\\b" holds after a word
    character, a negative lookahead of one character class holds at an end; "\\B" and other
    negative lookarounds may not, so a pattern holding them (or anything `edge_sensitive`
    refuses) gets no gate: every text passes.
    """

    def __init__(
        self,
        pattern: regex.Pattern[str],
        width: int = 3,
        prepare: Callable[[str], str] | None = None,
        memo_size: int = 1 << 16,
    ) -> None:
        self.pattern = pattern
        self.width = width
        self.prepare = prepare
        self.memo_size = memo_size
        self.blind = ("\\B" in pattern.pattern or bool(pattern.flags & regex.REVERSE)
                      or edge_sensitive(pattern.pattern, pattern.flags))
        self._memo: dict[str, bool] = {}

    def __call__(self, text: str) -> bool:
        if self.blind:
            return True
        key = text[: self.width]
        hit = self._memo.get(key)
        if hit is None:
            probe = self.prepare(key) if self.prepare is not None else key
            m = _TO_LAST_WORD_CHAR.match(probe)
            hit = self.pattern.match(m.group() if m else "", partial=True) is not None
            if len(self._memo) < self.memo_size:
                self._memo[key] = hit
        return hit

    def hits(self, texts: list[str]) -> list[bool]:
        """The gate's answer for each text (one pass of look-ups, then the new prefixes)."""
        if self.blind:
            return [True] * len(texts)
        width, memo = self.width, self._memo
        # look-ups by C-level maps (no Python frame per text): ~40% faster than a comprehension
        out = list(map(memo.get, map(itemgetter(slice(0, width)), texts)))
        if None in out:
            return [self(t) if hit is None else hit for t, hit in zip(texts, out, strict=True)]
        return out  # type: ignore[return-value]  # no None left


# a probe's longest start that ends with a word character
_TO_LAST_WORD_CHAR = regex.compile(r".*\w", regex.S)

"""No catastrophic regular expressions (issue 6.2): every pattern the package compiles or calls,
fed adversarial strings, answers within a time budget.

How the patterns are found (a pattern nobody finds cannot be checked):
  1. a child process wraps `re` and `regex` (compile and the module-level search, match, sub,
     ... functions), imports every `extractor` module and parses the sample corpus and a few
     synthetic documents, recording each pattern compiled from a file inside `extractor/`,
     including those built at run time from rule files (TOML) and cached by the loaders;
  2. the source is read too: any literal pattern passed to `re.*` / `regex.*` that the run
     did not reach is added.
Each pattern is then recompiled with the `regex` module (same flags) and searched, with a
timeout, in adversarial strings: long runs of one character, of two alternating characters,
of the pattern's own words and punctuation, each followed by a character that spoils a match
at the end (the shape that makes nested quantifiers backtrack).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import regex

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "extractor"
N = 10_000  # characters per adversarial string: quadratic work on this is ~10^8 steps
BUDGET = 0.5  # seconds per search; linear patterns take about a millisecond
# Known offenders, each with its module: reported to the owners, skipped here so that a NEW slow
# pattern fails the suite; `scripts/fuzz.py regex` re-measures them and says which are fixed.
KNOWN_SLOW: frozenset[tuple[str, str]] = frozenset(
    (item["file"], item["pattern"])
    for item in json.loads(
        (Path(__file__).with_name("regex_known_slow.json")).read_text(encoding="utf-8")
    )["patterns"]
)
_FUNCS = ("compile", "search", "match", "fullmatch", "sub", "subn", "findall", "finditer",
          "split")
_FLAG_NAMES = ("IGNORECASE", "MULTILINE", "DOTALL", "VERBOSE", "ASCII")


# --- 1. the child process: record patterns while the package runs ---------------------------


def _collect_in_child() -> None:  # pragma: no cover - runs in a subprocess
    import os

    sys.path.insert(0, str(ROOT))
    found: dict[tuple[str, int, str], str] = {}
    pkg = str(PACKAGE) + os.sep

    def wrap(mod: Any, lib: str, name: str) -> None:
        original = getattr(mod, name)

        def wrapper(pattern: Any, *args: Any, **kwargs: Any) -> Any:
            caller = sys._getframe(1).f_code.co_filename
            if caller.startswith(pkg) and isinstance(pattern, str):
                flags = kwargs.get("flags", 0)
                if name == "compile" and args:
                    flags = args[0]
                found.setdefault((pattern, int(flags), lib), caller[len(pkg):])
            elif caller.startswith(pkg) and hasattr(pattern, "pattern"):
                p = pattern.pattern
                if isinstance(p, str):
                    found.setdefault((p, int(pattern.flags), lib), caller[len(pkg):])
            return original(pattern, *args, **kwargs)

        setattr(mod, name, wrapper)

    for name in _FUNCS:
        wrap(re, "re", name)
        wrap(regex, "regex", name)

    import importlib
    import pkgutil

    import extractor

    for info in pkgutil.walk_packages(extractor.__path__, "extractor."):
        if not info.name.endswith("__main__"):  # importing it would run the command line
            importlib.import_module(info.name)
    from extractor import errors
    from extractor.pipeline import parse_bytes, parse_path
    from tests.hostile.hostile_corpus import GUIDELINE, LETTER, PDF_LINES
    from tests.hostile.pdfgen import make_pdf

    for p in sorted((ROOT / "corpus").glob("*.txt")):
        parse_path(p)
    samples = [t.encode() for t in (GUIDELINE, LETTER, GUIDELINE + "\f" + GUIDELINE)]
    samples.append(make_pdf([PDF_LINES[:12], PDF_LINES[12:]]))  # the PDF-only code paths
    samples.append(make_pdf([[ln for ln in LETTER.splitlines() if ln.strip()]]))
    for data in samples:
        try:
            parse_bytes(data)
        except errors.ExtractorError:
            pass
    out = [{"pattern": p, "flags": f, "lib": lib, "file": file}
           for (p, f, lib), file in found.items()]
    print(json.dumps(out))


# --- 2. the source: literal patterns in calls -------------------------------------------------


def _literal_patterns() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("re", "regex")
                and node.func.attr in _FUNCS
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                continue
            flags = 0
            flag_node = node.args[1] if node.func.attr == "compile" and len(node.args) > 1 else None
            for kw in node.keywords:
                if kw.arg == "flags":
                    flag_node = kw.value
            if flag_node is not None:
                try:
                    flags = int(eval(compile(ast.Expression(flag_node), "<flags>", "eval"),
                                     {"re": re, "regex": regex}))
                except Exception:
                    flags = 0
            out.append({"pattern": node.args[0].value, "flags": flags,
                        "lib": node.func.value.id,
                        "file": f"{path.relative_to(PACKAGE)}:{node.lineno}"})
    return out


@pytest.fixture(scope="module")
def patterns() -> list[dict[str, Any]]:
    proc = subprocess.run(
        [sys.executable, __file__, "--collect"], capture_output=True, text=True, timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout.strip().splitlines()[-1])
    seen = {(p["pattern"], p["lib"]) for p in found}
    found += [p for p in _literal_patterns() if (p["pattern"], p["lib"]) not in seen]
    return found


# --- the check --------------------------------------------------------------------------------


def _as_regex(item: dict[str, Any]) -> regex.Pattern[str]:
    flags = item["flags"]
    if item["lib"] == "re":
        mapped = 0
        for name in _FLAG_NAMES:
            if flags & getattr(re, name):
                mapped |= getattr(regex, name)
        return regex.compile(item["pattern"], mapped | regex.V0)
    return regex.compile(item["pattern"], flags)


def adversarial(pattern: str, n: int = N) -> list[str]:
    """Long strings a pattern may backtrack on, each spoiled at the end."""
    chars = set(" \na1A") | {c for c in pattern if c.isprintable() and not c.isalnum()}
    words = list(dict.fromkeys(w.lower() for w in re.findall(r"[A-Za-z]{3,}", pattern)))[:4]
    singles = [c * n + "\x00!" for c in sorted(chars)]
    pairs = ["a " * (n // 2) + "!", "1." * (n // 2) + "!", "A. " * (n // 3) + "!",
             " \t" * (n // 2) + "!", "aA1" * (n // 3) + "!"]
    spoken = [(w + " ") * (n // (len(w) + 1)) + "\x00" for w in words]
    if words:
        phrase = " ".join(words) + " "
        spoken.append(phrase * (n // len(phrase) + 1) + "\x00")
    return singles + pairs + spoken


def _may_backtrack(pattern: str) -> bool:
    """Without a repetition operator a search is linear in the text: nothing to test."""
    return bool(re.search(r"[*+]|\{\d*,", pattern))


def is_known(item: dict[str, Any]) -> bool:
    return (item["file"].split(":")[0], item["pattern"]) in KNOWN_SLOW


def _slow(pat: regex.Pattern[str], text: str) -> bool:
    try:
        pat.search(text, timeout=BUDGET)
    except TimeoutError:
        return True
    return False


SCREEN_N = 1_000  # a first pass on short strings: linear patterns answer in ~0.1 ms
SCREEN_SECONDS = 0.003


def slow_string(pat: regex.Pattern[str], pattern: str) -> str | None:
    """The first adversarial string the pattern is over budget on, or None. Strings are
    screened short; only a string that looks superlinear is confirmed at full length."""
    for short, full in zip(adversarial(pattern, SCREEN_N), adversarial(pattern), strict=True):
        t0 = time.perf_counter()
        try:
            pat.search(short, timeout=BUDGET)
        except TimeoutError:
            return full
        if time.perf_counter() - t0 > SCREEN_SECONDS and _slow(pat, full):
            return full
    return None


def test_regex_safety_collector_finds_the_rule_patterns(patterns: list[dict[str, Any]]) -> None:
    """The collector must see the module patterns and the ones compiled from rule files."""
    files = {p["file"].split(":")[0] for p in patterns}
    assert len(patterns) > 100, len(patterns)
    for expected in ("clean/boilerplate.py", "segment/paragraphs.py", "rules/__init__.py"):
        assert expected in files, sorted(files)


def test_regex_safety_adversarial_strings_answer_fast(patterns: list[dict[str, Any]]) -> None:
    offenders: list[str] = []
    seen: set[tuple[str, int, str]] = set()
    for item in patterns:
        key = (item["pattern"], item["flags"], item["lib"])
        if key in seen or not _may_backtrack(item["pattern"]) or is_known(item):
            continue
        seen.add(key)
        try:
            pat = _as_regex(item)
        except regex.error:
            continue  # a pattern the `regex` module reads differently: not ours to judge
        text = slow_string(pat, item["pattern"])
        if text is not None:
            shape = repr(text[:12]) + f"... ({len(text)} chars)"
            offenders.append(f"{item['file']}: {item['pattern'][:90]!r} on {shape}")
    assert not offenders, "patterns over budget:\n" + "\n".join(offenders)


@pytest.mark.parametrize("pattern", [r"^(a+)+$", r"[\s:.\-]+$", r"(?:\s+top)?[\s:.\-]*$"])
def test_regex_safety_check_catches_catastrophic_patterns(pattern: str) -> None:
    """The check itself must be able to fail: known slow shapes are caught."""
    assert slow_string(regex.compile(pattern), pattern) is not None


@pytest.mark.parametrize("pattern", [r"^\d{5}$", r"[A-Z]\d{2}(?:\.[0-9A-Z]{1,4})?", r"\s+"])
def test_regex_safety_check_passes_linear_patterns(pattern: str) -> None:
    assert slow_string(regex.compile(pattern), pattern) is None


if __name__ == "__main__":
    if "--collect" in sys.argv:
        _collect_in_child()

#!/usr/bin/env python3
"""Run the extractor over the documents that have gold files and score it per field.

usage: scripts/evaluate.py INPUT_DIR GOLD_DIR [--out DIR] [--json]
                           [--check-floors FLOORS.json] [--raise-floors FLOORS.json]
                           [--floor-set NAME]

INPUT_DIR is searched recursively for each gold file's `file`; GOLD_DIR holds
`<file>.gold.json` files in the format of GOLD-FORMAT.md. The scoring rules are those of the
reference scorer (../shared/tools/score.py), reimplemented here so that the project runs without
it; on the same outputs both print the same figures:
  1. texts compare after NFKC, typographic quotes/dashes folded, lower case, runs of spaces
     folded, a trailing "or"/"and" and final punctuation dropped; fuzzy text matches need a
     token-level similarity (difflib ratio over word lists) of at least 0.9;
  2. metadata dates compare exactly, a month-only gold date (YYYY-MM) accepting any day of it;
  3. sections, codes, definitions and citations compare as multisets (citations as sets);
     criteria nodes pool per coverage status and match on path and text; IMR decisions match
     greedily on the request text;
  4. only fields a gold file lists in `complete` are scored; null gold values are skipped.

--check-floors fails (exit 1) when a figure falls below its floor or a floored figure was not
measured; --raise-floors writes max(floor, measured) back: floors only ever rise. A floors file
holds named sets ({"corpus": {"f1": {...}, "accuracy": {...}}, "shared": ...}); --floor-set
picks one (default: corpus, the project's own corpus/ and its gold).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# --- folding and similarity (the reference scorer's rules) ---------------------------------

_FOLD = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                       "\u2013": "-", "\u2014": "-", "\u2026": "...", "\u00a0": " "})
_HINT = re.compile(
    r"\(\s*(?:[a-z0-9]{1,4}\s*(?:,|\bor\b|\band\b|\bthrough\b|\bto\b|-)\s*)+[a-z0-9]{1,4}\s*\)",
    re.I,
)
THRESHOLD = 0.9


def norm(value: object) -> str:
    s = unicodedata.normalize("NFKC", str(value or "")).translate(_FOLD).lower()
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"(;|,)?\s*(or|and)$", "", s).strip()
    return s.rstrip(" .;:,")


def without_hints(value: object) -> str:
    """Criteria text without operator hints such as "(1 or 2)" or "(A through G)"."""
    return _HINT.sub(" ", str(value or ""))


def similarity(a: object, b: object) -> float:
    ta, tb = norm(a).split(), norm(b).split()
    if not ta and not tb:
        return 1.0
    return difflib.SequenceMatcher(None, ta, tb, autojunk=False).ratio()


# --- tallies --------------------------------------------------------------------------------


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, tp: int, fp: int, fn: int) -> None:
        self.tp += tp
        self.fp += fp
        self.fn += fn

    def row(self) -> dict[str, float | int]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        return {"p": round(p, 4), "r": round(r, 4), "f1": round(f1, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Score:
    prf: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    acc: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    documents: int = 0
    missing: list[str] = field(default_factory=list)

    def hit(self, name: str, ok: bool) -> None:
        self.acc[name][0] += int(ok)
        self.acc[name][1] += 1

    def result(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "missing_outputs": self.missing,
            "prf": {k: v.row() for k, v in sorted(self.prf.items())},
            "accuracy": {k: round(a / n, 4) for k, (a, n) in sorted(self.acc.items())},
            "counts": {k: f"{a}/{n}" for k, (a, n) in sorted(self.acc.items())},
        }


def multiset(gold: Iterable[Any], pred: Iterable[Any]) -> tuple[int, int, int]:
    g, p = Counter(gold), Counter(pred)
    tp = sum((g & p).values())
    return tp, sum(p.values()) - tp, sum(g.values()) - tp


def greedy_text_match(gold: list[str], pred: list[str]) -> tuple[int, int, int]:
    used: set[int] = set()
    tp = 0
    for gt in gold:
        best, best_i = 0.0, -1
        for i, pt in enumerate(pred):
            if i not in used and (s := similarity(gt, pt)) > best:
                best, best_i = s, i
        if best >= THRESHOLD:
            used.add(best_i)
            tp += 1
    return tp, len(pred) - tp, len(gold) - tp


def flatten(node: dict[str, Any] | None, prefix: str = "") -> list[dict[str, Any]]:
    """Criteria nodes with dotted label paths; unlabelled items get "#n" (not scored)."""
    out: list[dict[str, Any]] = []
    for i, child in enumerate((node or {}).get("children") or []):
        label = str(child.get("label") or "").strip().rstrip(".)")
        if not re.search(r"[A-Za-z0-9]", label):
            label = f"#{i + 1}"
        path = f"{prefix}.{label}" if prefix else label
        out.append({"path": path, "text": child.get("text") or "",
                    "op": child.get("op") if child.get("children") else None})
        out += flatten(child, path)
    return out


def section_text(doc: dict[str, Any]) -> str:
    return norm(" ".join(s.get("text") or "" for s in doc.get("sections") or []))


# --- per-document scoring ---------------------------------------------------------------------


def _metadata(s: Score, gold: dict[str, Any], md: dict[str, Any], prefix: str) -> None:
    for key, gv in (gold or {}).items():
        if gv is None:
            continue
        pv = md.get(key)
        if prefix == "metadata" and key.endswith("date"):
            ok = str(pv)[:7] == gv if len(str(gv)) == 7 else str(pv) == str(gv)
        elif prefix == "metadata" and key == "page_count":
            ok = str(pv) == str(gv)
        else:
            ok = norm(pv) == norm(gv)
        s.hit(f"{prefix}.{key}", ok)


def _criteria(s: Score, gold: list[dict[str, Any]], doc: dict[str, Any]) -> None:
    blocks = doc.get("criteria") or []
    s.prf["criteria.blocks"].add(*multiset([b["status"] for b in gold],
                                           [b.get("status") for b in blocks]))
    pblocks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for b in blocks:
        pblocks[b.get("status")].append(b)
    gblocks: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for gb in gold:
        gblocks[gb["status"]].append(gb)
    for status, gbs in gblocks.items():
        pnodes = [n for b in pblocks.get(status, []) for n in flatten(b.get("logic"))
                  if "#" not in n["path"]]
        gnodes = [n for gb in gbs for n in gb.get("nodes") or []]
        used: set[int] = set()
        tp = 0
        for gn in gnodes:
            match = next((i for i, pn in enumerate(pnodes) if i not in used
                          and norm(pn["path"]) == norm(gn["path"])
                          and similarity(without_hints(pn["text"]),
                                         without_hints(gn["text"])) >= THRESHOLD), None)
            if match is not None:
                used.add(match)
                tp += 1
                if gn.get("op"):
                    s.hit("criteria.op", (pnodes[match].get("op") or "") == gn["op"])
        s.prf["criteria.nodes"].add(tp, len(pnodes) - tp, len(gnodes) - tp)
        for i, gb in enumerate(gbs):
            if gb.get("op"):
                pb = pblocks.get(status, [])
                root = (pb[i].get("logic") or {}).get("op") if i < len(pb) else None
                s.hit("criteria.root_op", i < len(pb) and root == gb["op"])
    for status, pbs in pblocks.items():
        if status not in gblocks:  # nodes of a block the document does not have
            extra = [n for b in pbs for n in flatten(b.get("logic")) if "#" not in n["path"]]
            s.prf["criteria.nodes"].add(0, len(extra), 0)


def _codes(s: Score, gold: list[dict[str, Any]], doc: dict[str, Any]) -> None:
    strict, loose = [], []
    entries: list[dict[str, Any]] = []
    for t in doc.get("code_tables") or []:
        for e in t.get("entries") or []:
            code, end = str(e.get("code")).upper(), str(e.get("code_end") or "").upper()
            strict.append((t.get("group"), t.get("system"), code, end))
            loose.append((code, end))
            entries.append(e)
    gc = [(c["group"], c["system"], c["code"].upper(), (c.get("code_end") or "").upper())
          for c in gold]
    s.prf["codes.strict"].add(*multiset(gc, strict))
    s.prf["codes.code_only"].add(*multiset([x[2:] for x in gc], loose))
    for c in gold:
        if c.get("description"):
            descs = [e.get("description") for e in entries
                     if str(e.get("code")).upper() == c["code"].upper()]
            s.hit("codes.description",
                  any(similarity(x, c["description"]) >= THRESHOLD for x in descs))


def _year(y: object) -> object:
    return int(str(y)) if str(y or "").isdigit() else y


def score_guideline(s: Score, g: dict[str, Any], doc: dict[str, Any]) -> None:
    complete = set(g.get("complete") or [])
    if "metadata" in complete:
        _metadata(s, g.get("metadata") or {}, doc.get("metadata") or {}, "metadata")
    if "sections" in complete:
        top = [x.get("kind") for x in doc.get("sections") or []
               if not x.get("parent") and x.get("level") in (None, 0, 1)]
        s.prf["sections"].add(*multiset(g["sections"], top))
    if "criteria" in complete:
        _criteria(s, g["criteria"], doc)
    if "codes" in complete:
        _codes(s, g["codes"], doc)
    if "definitions" in complete:
        terms = [norm(x.get("term")) for x in doc.get("definitions") or []]
        s.prf["definitions"].add(*multiset([norm(t) for t in g["definitions"]], terms))
    if "references" in complete and g.get("references"):
        n, count = len(doc.get("references") or []), g["references"]["count"]
        s.hit("references.count", abs(n - count) <= max(1, round(0.02 * count)))
    if "citations" in complete:
        pred = {(norm((c.get("authors") or [""])[0]), _year(c.get("year")))
                for c in doc.get("citations") or []}
        gold = {(norm(a), _year(y)) for a, y in g["citations"]}
        s.prf["citations"].add(*multiset(sorted(gold, key=str), sorted(pred, key=str)))
    text = section_text(doc)
    for phrase in g.get("boilerplate_phrases") or []:
        s.hit("boilerplate.removed", norm(phrase) not in text)
    for phrase in g.get("content_phrases") or []:
        s.hit("content.kept", norm(phrase) in text)


def _guideline_text(value: object) -> object:
    return value.get("text") if isinstance(value, dict) else value


def score_imr(s: Score, g: dict[str, Any], doc: dict[str, Any]) -> None:
    complete = set(g.get("complete") or [])
    if "metadata" in complete:
        _metadata(s, g.get("metadata") or {}, doc.get("metadata") or {}, "imr.metadata")
    if "reviewer" in complete:
        rv = doc.get("reviewer") or {}
        for key in ("licensure", "specialties"):
            s.hit(f"imr.reviewer.{key}", sorted(map(norm, rv.get(key) or []))
                  == sorted(map(norm, g["reviewer"].get(key) or [])))
    if "patient" in complete:
        pt = doc.get("patient") or {}
        for key in ("age", "sex"):
            if g["patient"].get(key) is not None:
                s.hit(f"imr.patient.{key}", norm(pt.get(key)) == norm(g["patient"][key]))
    if "decisions" in complete:
        pds, gds = doc.get("decisions") or [], g["decisions"]
        s.prf["imr.decisions"].add(*greedy_text_match(
            [x["request"] for x in gds], [x.get("request") or "" for x in pds]))
        for gd in gds:
            best = max(pds, key=lambda x: similarity(x.get("request"), gd["request"]), default=None)
            ok_req = (best is not None
                      and similarity(best.get("request"), gd["request"]) >= THRESHOLD)
            s.hit("imr.decision.outcome", ok_req and (best or {}).get("outcome") == gd["outcome"])
            for key in ("claims_administrator_guideline", "reviewer_guideline"):
                if not gd.get(key):
                    continue
                ptxt = _guideline_text((best or {}).get(key) or {})
                if "did not cite any medical evidence" in gd[key]:
                    # null where nothing was cited, as the contract says; the sentence also passes
                    ok = not ptxt or similarity(ptxt, gd[key]) >= THRESHOLD
                    s.hit(f"imr.decision.{key}", ok_req and ok)
                else:
                    s.hit(f"imr.decision.{key}", ok_req and similarity(ptxt, gd[key]) >= THRESHOLD)
            for page in gd.get("guideline_pages") or []:
                blob = json.dumps([(best or {}).get("claims_administrator_guideline"),
                                   (best or {}).get("reviewer_guideline")])
                s.hit("imr.decision.guideline_pages", page in blob)


def score(golds: list[dict[str, Any]], outputs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Score outputs (keyed by document file name, or its stem) against gold dicts."""
    s = Score()
    for g in golds:
        name = g["file"]
        doc = outputs.get(name) or outputs.get(os.path.splitext(name)[0])
        if doc is None:
            s.missing.append(name)
            doc = {}
        s.documents += 1
        s.hit("kind", doc.get("kind") == g["kind"])
        if g["kind"] == "guideline":
            score_guideline(s, g, doc)
        else:
            score_imr(s, g, doc)
    return s.result()


# --- running, floors, report ------------------------------------------------------------------


def load_golds(gold_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text(encoding="utf-8"))
            for p in sorted(gold_dir.iterdir()) if p.name.endswith(".gold.json")]


def find_inputs(input_dir: Path, names: Iterable[str]) -> dict[str, Path]:
    wanted = set(names)
    found: dict[str, Path] = {}
    for dirpath, dirnames, filenames in os.walk(input_dir):
        dirnames.sort()
        for fname in sorted(filenames):
            if fname in wanted and fname not in found:
                found[fname] = Path(dirpath) / fname
    return found


def run(
    input_dir: Path, golds: list[dict[str, Any]], out_dir: Path | None
) -> dict[str, dict[str, Any]]:
    """Parse each gold document found under input_dir in-process; name -> output JSON dict."""
    from extractor import ExtractorError, parse_path
    from extractor.output import to_json

    outputs: dict[str, dict[str, Any]] = {}
    for name, path in find_inputs(input_dir, [g["file"] for g in golds]).items():
        try:
            doc = parse_path(path)
        except ExtractorError as exc:
            print(f"error {exc.code}: {name}: {exc.message}", file=sys.stderr)
            continue
        data = to_json(doc)
        outputs[name] = json.loads(data)
        if out_dir is not None:
            out_dir.mkdir(parents=True, exist_ok=True)
            (out_dir / f"{name}.json").write_bytes(data)
    return outputs


def measured(result: dict[str, Any]) -> dict[str, dict[str, float]]:
    return {"f1": {k: v["f1"] for k, v in result["prf"].items()},
            "accuracy": dict(result["accuracy"])}


def floor_set(floors: dict[str, Any], name: str) -> dict[str, Any]:
    """One named set of floors from a floors file ({"corpus": {"f1": .., "accuracy": ..}})."""
    return floors if "f1" in floors or "accuracy" in floors else dict(floors.get(name) or {})


def check_floors(result: dict[str, Any], floors: dict[str, Any]) -> list[str]:
    """Problems: figures below their floor, floored figures not measured."""
    got = measured(result)
    problems = []
    for group in ("f1", "accuracy"):
        for name, floor in (floors.get(group) or {}).items():
            value = got[group].get(name)
            if value is None:
                problems.append(f"{group} {name}: not measured (floor {floor})")
            elif value + 1e-9 < floor:
                problems.append(f"{group} {name}: {value:.4f} below floor {floor:.4f}")
    return problems


def raised(result: dict[str, Any], floors: dict[str, Any]) -> dict[str, Any]:
    """Floors lifted to what was measured; never lowered, never removed."""
    got = measured(result)
    new = dict(floors)
    for group in ("f1", "accuracy"):
        cur = dict(floors.get(group) or {})
        for name, value in got[group].items():
            cur[name] = round(max(cur.get(name, 0.0), value), 4)
        new[group] = dict(sorted(cur.items()))
    return new


def report(result: dict[str, Any]) -> str:
    lines = [f"documents scored: {result['documents']}; without output: "
             f"{len(result['missing_outputs'])}"]
    for k, v in result["prf"].items():
        lines.append(f"  {k:32s} P={v['p']:.3f} R={v['r']:.3f} F1={v['f1']:.3f}  "
                     f"(tp={v['tp']} fp={v['fp']} fn={v['fn']})")
    for k, v in result["accuracy"].items():
        lines.append(f"  {k:32s} acc={v:.3f}  ({result['counts'][k]})")
    return "\n".join(lines)


def evaluate(input_dir: Path, gold_dir: Path, out_dir: Path | None = None) -> dict[str, Any]:
    golds = load_golds(gold_dir)
    return score(golds, run(input_dir, golds, out_dir))


def _use_project_venv() -> None:
    """Run under the project's virtual environment when started by another interpreter."""
    venv_python = ROOT / ".venv" / "bin" / "python"
    try:
        import extractor.pipeline  # noqa: F401
    except ImportError:
        in_venv = Path(sys.prefix).resolve() == (ROOT / ".venv").resolve()
        if venv_python.exists() and not in_venv:
            os.execv(str(venv_python), [str(venv_python), *sys.argv])
        raise


def main(argv: list[str] | None = None) -> int:
    _use_project_venv()
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input_dir", type=Path)
    ap.add_argument("gold_dir", type=Path)
    ap.add_argument("--out", type=Path, help="also write each output JSON here")
    ap.add_argument("--json", action="store_true", help="print the result as JSON")
    ap.add_argument("--check-floors", type=Path, help="fail when a figure is below its floor")
    ap.add_argument("--raise-floors", type=Path, help="lift floors to the measured figures")
    ap.add_argument("--floor-set", default="corpus",
                    help="which set of floors in the file applies (default: corpus)")
    args = ap.parse_args(argv)
    for d in (args.input_dir, args.gold_dir):
        if not d.is_dir():
            print(f"error: no such folder: {d}", file=sys.stderr)
            return 2
    t0 = time.perf_counter()
    result = evaluate(args.input_dir, args.gold_dir, args.out)
    print(json.dumps(result, indent=1) if args.json else report(result))
    print(f"{result['documents']} gold documents in {time.perf_counter() - t0:.1f}s",
          file=sys.stderr)
    status = 0
    if args.check_floors:
        floors = floor_set(json.loads(args.check_floors.read_text()), args.floor_set)
        problems = check_floors(result, floors)
        for p in problems:
            print(f"floor: {p}", file=sys.stderr)
        status = 1 if problems else 0
    if args.raise_floors:
        path = args.raise_floors
        whole = json.loads(path.read_text()) if path.exists() else {}
        whole[args.floor_set] = raised(result, floor_set(whole, args.floor_set))
        path.write_text(json.dumps(whole, indent=2, ensure_ascii=False) + "\n")
    return status


if __name__ == "__main__":
    sys.exit(main())

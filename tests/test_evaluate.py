"""scripts/evaluate.py: the reference scoring rules, floors, and the floors on real corpora."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOORS = ROOT / "tests" / "floors.json"


def _load_evaluate() -> Any:
    spec = importlib.util.spec_from_file_location("evaluate", ROOT / "scripts" / "evaluate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["evaluate"] = module
    spec.loader.exec_module(module)
    return module


ev = _load_evaluate()


# --- synthetic gold and outputs ------------------------------------------------------------

GOLD_G = {
    "file": "widget.pdf", "kind": "guideline",
    "complete": ["metadata", "sections", "criteria", "codes", "definitions", "references",
                 "citations"],
    "metadata": {"doc_id": "CG-TST-01", "title": "Widget \u2013 Therapy", "publish_date": "2024-03",
                 "last_review_date": "2024-02-01", "status": None},
    "sections": ["description", "clinical_indications", "definitions"],
    "criteria": [{"status": "medically_necessary", "op": "all", "min": None, "nodes": [
        {"path": "A", "text": "The individual has a pretend disorder", "op": "any"},
        {"path": "A.1", "text": "Pretend disorder type one (1 or 2)"},
        {"path": "B", "text": "Gadget therapy has failed"}]}],
    "codes": [{"group": "medically_necessary", "system": "CPT", "code": "99999", "code_end": None,
               "description": "Pretend widget service"}],
    "definitions": ["Widget", "Gadget (G)", "Cog"],
    "references": {"count": 10},
    "citations": [["Doe", 2020], ["Roe", 2019]],
    "boilerplate_phrases": ["No part of this pretend publication"],
    "content_phrases": ["widget therapy is pretend"],
}
OUT_G = {
    "kind": "guideline", "source": {"path": "/x/widget.pdf"},
    "metadata": {"doc_id": "cg-tst-01", "title": "Widget - therapy.", "publish_date": "2024-03-15",
                 "last_review_date": "2024-02-02", "status": "Reviewed"},
    "sections": [{"kind": "description", "level": 1, "parent": None,
                  "text": "Widget therapy is pretend."},
                 {"kind": "clinical_indications", "level": 1, "parent": None, "text": ""},
                 {"kind": "other", "level": 2, "parent": 1, "text": ""}],
    "criteria": [{"status": "medically_necessary", "logic": {"op": "all", "children": [
        {"label": "A.", "text": "The individual has a pretend disorder; or", "op": "any",
         "children": [{"label": "1", "text": "Pretend disorder type one"}]},
        {"label": "\u2022", "text": "an unlabelled bullet"},
        {"label": "C", "text": "Gadget therapy has failed"}]}}],
    "code_tables": [{"group": "medically_necessary", "system": "CPT",
                     "entries": [{"code": "99999", "description": "Pretend widget service."}]}],
    "definitions": [{"term": "widget:"}, {"term": "Gadget (G)"}, {"term": "Sprocket"}],
    "references": [{}] * 11,
    "citations": [{"authors": ["Doe"], "year": "2020"}, {"authors": ["Doe"], "year": "2020"},
                  {"authors": ["Poe"], "year": "2018"}],
}
GOLD_I = {
    "file": "case.pdf", "kind": "imr", "complete": ["metadata", "reviewer", "patient", "decisions"],
    "metadata": {"case_number": "CM00-0000001", "date_of_injury": "2010-01-02"},
    "reviewer": {"licensure": ["California"], "specialties": ["Pretend Medicine"]},
    "patient": {"age": 40, "sex": "female"},
    "decisions": [
        {"request": "Widget therapy twice a week", "outcome": "upheld",
         "claims_administrator_guideline":
             "The Claims Administrator did not cite any medical evidence for its decision.",
         "reviewer_guideline": "Decision based on pretend guidelines."},
        {"request": "Gadget consultation", "outcome": "overturned"},
    ],
}
OUT_I = {
    "kind": "imr", "metadata": {"case_number": "CM00-0000001", "date_of_injury": "2010-01-03"},
    "reviewer": {"licensure": ["california"], "specialties": ["Pretend Medicine", "Other"]},
    "patient": {"age": 40, "sex": "female"},
    "decisions": [
        {"request": "Widget therapy twice a week.", "outcome": "upheld",
         "claims_administrator_guideline": None,
         "reviewer_guideline": {"text": "Decision based on pretend guidelines"}},
    ],
}


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return ev.score([GOLD_G, GOLD_I, {"file": "missing.pdf", "kind": "imr", "complete": []}],
                    {"widget.pdf": OUT_G, "case": OUT_I})


@pytest.mark.parametrize(
    ("a", "b"),
    [("Widget \u2013 Therapy", "widget - therapy."), ("  A  B; or", "a b"),
     ("\u201cQ\u201d", '"q"'), ("Cog, and", "cog")],
)
def test_evaluate_norm_folds_like_the_reference(a: str, b: str) -> None:
    assert ev.norm(a) == ev.norm(b)


def test_evaluate_metadata_rules(result: dict[str, Any]) -> None:
    acc = result["accuracy"]
    assert acc["metadata.doc_id"] == 1.0 and acc["metadata.title"] == 1.0
    assert acc["metadata.publish_date"] == 1.0  # month-only gold accepts a day of that month
    assert acc["metadata.last_review_date"] == 0.0  # full dates compare exactly
    assert "metadata.status" not in acc  # null gold values are not scored


def test_evaluate_multisets_and_sets(result: dict[str, Any]) -> None:
    prf = result["prf"]
    def tally(name: str) -> tuple[int, int, int]:
        return prf[name]["tp"], prf[name]["fp"], prf[name]["fn"]

    assert tally("definitions") == (2, 1, 1)
    assert tally("sections") == (2, 0, 1)
    assert tally("citations") == (1, 1, 1)  # a work cited twice counts once
    assert result["accuracy"]["references.count"] == 1.0  # within max(1, 2%)


def test_evaluate_criteria_paths_texts_and_ops(result: dict[str, Any]) -> None:
    nodes = result["prf"]["criteria.nodes"]
    # A and A.1 match (trailing "; or" and "(1 or 2)" ignored); C is not B; the bullet is unscored
    assert (nodes["tp"], nodes["fp"], nodes["fn"]) == (2, 1, 1)
    assert result["accuracy"]["criteria.op"] == 1.0
    assert result["accuracy"]["criteria.root_op"] == 1.0


def test_evaluate_imr_rules(result: dict[str, Any]) -> None:
    acc = result["accuracy"]
    assert acc["imr.metadata.case_number"] == 1.0
    assert acc["imr.metadata.date_of_injury"] == 0.0
    assert acc["imr.reviewer.licensure"] == 1.0 and acc["imr.reviewer.specialties"] == 0.0
    assert result["counts"]["imr.decision.outcome"] == "1/2"
    # null accepted where the letter says nothing was cited; a dict's text is compared
    assert acc["imr.decision.claims_administrator_guideline"] == 1.0
    assert acc["imr.decision.reviewer_guideline"] == 1.0
    d = result["prf"]["imr.decisions"]
    assert (d["tp"], d["fp"], d["fn"]) == (1, 0, 1)


def test_evaluate_missing_output_is_reported(result: dict[str, Any]) -> None:
    assert result["missing_outputs"] == ["missing.pdf"]
    assert result["documents"] == 3
    assert result["counts"]["kind"] == "2/3"


def test_evaluate_floors_check_and_only_rise() -> None:
    res = {"prf": {"definitions": {"f1": 0.9}}, "accuracy": {"metadata.title": 1.0}}
    floors = {"f1": {"definitions": 0.95, "sections": 0.5}, "accuracy": {"metadata.title": 0.8}}
    problems = ev.check_floors(res, floors)
    assert any("definitions" in p and "below" in p for p in problems)
    assert any("sections" in p and "not measured" in p for p in problems)
    lifted = ev.raised(res, floors)
    assert lifted["f1"] == {"definitions": 0.95, "sections": 0.5}  # never lowered or dropped
    assert lifted["accuracy"] == {"metadata.title": 1.0}
    assert ev.floor_set({"corpus": floors}, "corpus") == floors


def test_evaluate_agrees_with_reference_scorer(tmp_path: Path) -> None:
    """Same figures as ../shared/tools/score.py on the same outputs (skips without it)."""
    scorer = ROOT.parent / "shared" / "tools" / "score.py"
    if not scorer.is_file():
        pytest.skip(f"reference scorer not present at {scorer}")
    gold_dir, out_dir = tmp_path / "gold", tmp_path / "out"
    gold_dir.mkdir()
    out_dir.mkdir()
    for g in (GOLD_G, GOLD_I):
        (gold_dir / f"{g['file']}.gold.json").write_text(json.dumps(g))
    (out_dir / "widget.pdf.json").write_text(json.dumps(OUT_G))
    (out_dir / "case.json").write_text(json.dumps(OUT_I))
    cmd = [sys.executable, str(scorer), str(gold_dir), str(out_dir), "--json"]
    ref = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)
    ours = ev.score(ev.load_golds(gold_dir), {"widget.pdf": OUT_G, "case": OUT_I})
    for key in ("prf", "accuracy", "counts", "documents", "missing_outputs"):
        assert ours[key] == ref[key], key


# --- the floors on real corpora -----------------------------------------------------------


def test_evaluate_project_corpus_meets_floors() -> None:
    """The project's own corpus/ against corpus/gold, every floored figure."""
    floors = ev.floor_set(json.loads(FLOORS.read_text()), "corpus")
    assert floors.get("f1") and floors.get("accuracy")
    res = ev.evaluate(ROOT / "corpus", ROOT / "corpus" / "gold")
    assert res["missing_outputs"] == []
    assert ev.check_floors(res, floors) == []
    unfloored = [k for k in list(res["prf"]) + list(res["accuracy"])
                 if k not in floors["f1"] and k not in floors["accuracy"]]
    assert not unfloored, f"figures without a floor (run --raise-floors): {unfloored}"


def test_evaluate_shared_gold_guidelines_meet_floors(shared_corpus: Path) -> None:
    """The real gold guidelines: metadata and definitions floors (definitions F1 >= 0.97)."""
    floors = ev.floor_set(json.loads(FLOORS.read_text()), "shared")
    assert floors["f1"]["definitions"] >= 0.97
    golds = [g for g in ev.load_golds(shared_corpus / "gold") if g["kind"] == "guideline"]
    res = ev.score(golds, ev.run(shared_corpus, golds, None))
    assert ev.check_floors(res, floors) == []


def _committed_floors() -> list[tuple[str, dict[str, Any]]]:
    """Every committed version of tests/floors.json, newest first (empty outside git)."""
    try:
        log = subprocess.run(["git", "log", "--format=%H", "--", "tests/floors.json"], cwd=ROOT,
                             capture_output=True, text=True, check=True, timeout=30).stdout.split()
        return [(sha[:8], json.loads(subprocess.run(
                    ["git", "show", f"{sha}:tests/floors.json"], cwd=ROOT, capture_output=True,
                    text=True, check=True, timeout=30).stdout)) for sha in log]
    except (OSError, subprocess.SubprocessError, json.JSONDecodeError):
        return []


def test_evaluate_floors_only_rise() -> None:
    """No floor is lower than, and none has gone missing from, any committed version."""
    history = _committed_floors()
    if not history:
        pytest.skip("no git history for tests/floors.json")
    now = json.loads(FLOORS.read_text())
    lowered = []
    for sha, old in history:
        for set_name, groups in old.items():
            if not isinstance(groups, dict):
                continue
            for group, figures in groups.items():
                for name, floor in figures.items():
                    cur = now.get(set_name, {}).get(group, {}).get(name)
                    if cur is None or cur + 1e-9 < floor:
                        lowered.append(f"{set_name}.{group}.{name}: {cur} < {floor} ({sha})")
    assert not lowered, "floors may only rise:\n" + "\n".join(lowered)

"""The Dask engine gives the local engine's outputs and report on a dask.distributed cluster."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from extractor import batch
from tests.conftest import SEED_GUIDELINE, SEED_IMR

distributed = pytest.importorskip("dask.distributed", reason="needs extractor[dask]")

POLICY = """Medical Policy
Subject: Example Device Therapy
Policy Number: MP-EX-99

Description
This made-up policy addresses an example device used only in tests.

Policy
The example device is considered investigational and not medically necessary.
"""


def _inputs(folder: Path) -> None:
    (folder / "imr").mkdir(parents=True)
    (folder / "guideline.txt").write_bytes(SEED_GUIDELINE.read_bytes())
    (folder / "imr" / "letter.txt").write_bytes(SEED_IMR.read_bytes())
    (folder / "policy.txt").write_text(POLICY)
    (folder / "empty.txt").write_bytes(b"")  # an error row, the same on both engines


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.json"))}


def _report(out: Path) -> list[tuple[object, ...]]:
    rows = [orjson.loads(line) for line in (out / batch.REPORT_NAME).read_bytes().splitlines()]
    # Everything but the timing and the output folder, in a stable order.
    return sorted(
        tuple(r[k] for k in batch.Result.REPORT_FIELDS if k not in ("seconds", "cpu_seconds", "output"))
        for r in rows
    )


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as c:
        yield c


def test_dask_engine_outputs_equal_local_engine(tmp_path: Path, cluster) -> None:
    _inputs(tmp_path / "in")
    # workers=0 runs the local engine's worker function in this process (already warm):
    # test_batch.py covers the process pool itself.
    local = batch.BatchConfig(out_dir=tmp_path / "local", root=tmp_path / "in", workers=0)
    dask = batch.BatchConfig(
        out_dir=tmp_path / "dask", root=tmp_path / "in", workers=1, engine="dask",
        scheduler=cluster.scheduler_address,
    )
    s_local, s_dask = batch.run_batch(local), batch.run_batch(dask)
    assert s_local.counts == s_dask.counts == {"ok": 3, "error": 1}
    assert _outputs(tmp_path / "local") == _outputs(tmp_path / "dask")
    assert len(_outputs(tmp_path / "dask")) == 3
    assert _report(tmp_path / "local") == _report(tmp_path / "dask")

    again = batch.run_batch(dask)  # resumable on the cluster too
    assert again.counts == {"skipped": 3, "error": 1}


def test_dask_engine_stops_a_stuck_document(tmp_path: Path, cluster) -> None:
    from extractor.engines.distributed import DaskEngine
    from tests.batch_helpers import stubborn

    engine = DaskEngine(cluster.scheduler_address, 1, timeout=0.5)
    got = dict(engine.map(stubborn, [30.0]))
    assert got[30.0].kind == "timeout"

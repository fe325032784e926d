"""The backfill deployment parses on Dask: its flow, loaded from `flows/deployments.py` by path
as a Prefect worker loads it, sends its parse batches to a real Dask cluster of worker
processes, which must be able to unpickle each task's flow-run context (it names the flow by
module; `deployments` is not importable there). No PostgreSQL needed: Prefect's temporary
server and a `distributed.LocalCluster`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]

REPO = Path(__file__).resolve().parents[2]


def test_a_backfill_loaded_from_the_deployment_file_parses_on_dask_workers(tmp_path, seed_market):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # a real document that loads into an empty warehouse (it declares the deals it speaks of), and a
    # note nothing recognises
    entries = [json.loads(line) for line in (seed_market / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
    export = sorted(e["rel_path"] for e in entries if e["doc_type"] == "issuance_export")[0]
    (inbox / Path(export).name).write_bytes((seed_market / export).read_bytes())
    (inbox / "备注.txt").write_text("not a report\n", encoding="utf-8")
    march = datetime(2025, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")).timestamp()
    for path in inbox.iterdir():
        os.utime(path, (march, march))  # inside the backfill's window
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "ABS_ETL_"))}
    env.update({"PREFECT_HOME": str(tmp_path / "prefect-home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "PYTHONPATH": str(REPO)})
    try:
        result = subprocess.run([sys.executable, str(Path(__file__).with_name("backfill_on_dask.py")),
                                 str(tmp_path / "data"), str(inbox)], cwd=REPO, env=env, capture_output=True,
                                text=True, timeout=420)
    except subprocess.TimeoutExpired as exc:  # how the old wiring failed: Dask workers dying as they unpickle
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        pytest.fail(f"the backfill did not finish in {exc.timeout} s:\n{stderr[-5000:]}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["outcome"] == "published" and summary["documents_fetched"] == 2
    assert summary["documents"]["loaded"] >= 1 and sum(summary["documents"].values()) == 2

"""Generating the sample market inside a Prefect flow (what the first ``make run`` does) prints
no traceback: the generator's forked workers must not inherit Prefect's SIGTERM handler, which
turned the pool's shutdown into ``TerminationSignal`` tracebacks ("Process ForkPoolWorker-2 …")."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter with its own temporary Prefect server: the flow's task asks the
# generator's forked workers which SIGTERM handler they run with (deterministic), then
# generates the seed market for real (the race that printed the tracebacks).
SCRIPT = """
import signal, sys
from pathlib import Path
from prefect import flow, task
from sample_market.catalogue import map_in_forked_workers
from sample_market.generate import generate

def sigterm_handler_name(_):
    handler = signal.getsignal(signal.SIGTERM)
    return "default" if handler == signal.SIG_DFL else getattr(handler, "__name__", repr(handler))

@task
def generate_market(out: str) -> tuple[list[str], str, int]:
    in_flow = sigterm_handler_name(None)
    in_workers = map_in_forked_workers(sigterm_handler_name, list(range(4)), 2)
    return in_workers, in_flow, generate(Path(out), scale="seed", seed=20251231).documents

@flow
def first_run(out: str):
    return generate_market(out)

in_workers, in_flow, documents = first_run(sys.argv[1])
print("flow handler", in_flow)
print("worker handlers", sorted(set(in_workers)))
print("documents", documents)
"""


@pytest.mark.slow
def test_generating_in_a_flow_prints_no_worker_traceback(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env.update(PREFECT_HOME=str(tmp_path / "prefect-home"), PREFECT_SERVER_ANALYTICS_ENABLED="false",
               PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="120")
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "market")], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "_prefect_sigterm_handler" in result.stdout  # the flow really runs under Prefect's handler …
    assert "worker handlers ['default']" in result.stdout  # … and the workers do not
    assert int(result.stdout.rsplit("documents ", 1)[1].split()[0]) > 1000
    for marker in ("Traceback", "TerminationSignal", "ForkPoolWorker"):
        assert marker not in result.stderr, result.stderr[-3000:]

"""End to end in the Prefect UI: headless Chromium (Debian's `chromium`, installed by
scripts/system-deps.sh when missing) opens the page of the deployment run from the session's
server, checks that the run and its summary artifact are shown, and saves screenshots into
test-output/ (git-ignored). Skips, saying why, when Chromium cannot be installed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import OUTPUT, dump_dom, page_text

pytestmark = pytest.mark.slow


def render(chromium: str, url: str, screenshot: Path, profile: Path) -> str:
    return page_text(dump_dom(chromium, url, screenshot, profile))


def test_the_ui_shows_the_run_and_its_summary_artifact(chromium, prefect_server, first_run, tmp_path):
    server = prefect_server
    run_name = first_run.flow_run["name"]

    page = render(chromium, f"{server.url}/v2/runs/flow-run/{first_run.flow_run_id}?tab=Artifacts",
                  OUTPUT / "prefect-ui-flow-run.png", tmp_path / "profile")
    assert "Can't connect to Server API" not in page
    assert run_name in page, page[:2000]
    assert "Completed" in page
    assert "discover-trustee-reports-business-hours" in page       # its deployment
    assert "warehouse-run-summary" in page and "warehouse-dq-results" in page, page[:3000]
    assert (OUTPUT / "prefect-ui-flow-run.png").stat().st_size > 20_000

    summary = server.artifacts_of(first_run.flow_run_id)["warehouse-run-summary"]
    page = render(chromium, f"{server.url}/v2/artifacts/artifact/{summary['id']}",
                  OUTPUT / "prefect-ui-run-summary.png", tmp_path / "profile")
    for expected in ("Trustee reports: published", "Documents by outcome", "Rows loaded by table", "Data quality",
                     "checks passed", run_name):
        assert expected in page, f"{expected!r} not shown on the artifact page:\n{page[:3000]}"
    assert (OUTPUT / "prefect-ui-run-summary.png").stat().st_size > 20_000


def test_the_ui_shows_the_stage_tasks_of_the_build(chromium, prefect_server, first_run, tmp_path):
    """The build is a graph a data engineer can read: its run page (graph and task runs) names
    every stage — list, fetch, parse batches, the reference phase, decide, validate, load, audit,
    publish — each with its own timing."""
    server = prefect_server
    children = server.api("POST", "/flow_runs/filter",
                          {"flow_runs": {"parent_flow_run_id": {"any_": [first_run.flow_run_id]}}})
    build = next(c for c in children if c["name"] == "build-warehouse-inbox")
    page = render(chromium, f"{server.url}/runs/flow-run/{build['id']}?tab=Task%20Runs",
                  OUTPUT / "prefect-ui-build-stages.png", tmp_path / "profile")
    assert "Can't connect to Server API" not in page
    for stage in ("open build", "list inbox", "fetch inbox: 1 documents", "parse document 1–1 of 1",
                  "freeze the names 0 reference documents declare", "resolve codes and decide outcomes of 1 documents",
                  "validate 0 tables (expectations gate)", "load into the build", "audit the build", "publish build"):
        assert any(line.startswith(stage) for line in page.splitlines()), f"{stage!r} not shown:\n{page[:3000]}"
    assert (OUTPUT / "prefect-ui-build-stages.png").stat().st_size > 20_000

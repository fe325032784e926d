"""What an operator reads on a flow run's Artifacts tab.

- ``warehouse-run-summary`` (markdown): outcome, documents by outcome, rows by table, the data-
  quality result (expectations and reconciliations passed / failed, rows quarantined, by check),
  timings including the wait for the writer slot;
- ``warehouse-dq-results`` (table): one row per expectation or reconciliation the run checked;
- ``warehouse-reconciliation`` (markdown + ``warehouse-reconciliation-results`` table) for the
  weekly full reconciliation.

Keys are shared by every flow, so the Artifacts page shows the latest run of the warehouse
whichever cadence ran it, with the history of earlier versions behind it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SUMMARY_KEY = "warehouse-run-summary"
DQ_KEY = "warehouse-dq-results"
RECONCILIATION_KEY = "warehouse-reconciliation"
RECONCILIATION_TABLE_KEY = "warehouse-reconciliation-results"


def read_run_dq(published: Path, run_id: str) -> dict[str, Any]:
    """The DQ records a published run left: expectation results and quarantine counts by check."""
    from settings import get_settings
    from warehouse.backends import open_published_or_none

    out: dict[str, Any] = {"results": [], "quarantine": []}
    con = open_published_or_none(get_settings(), published)
    if con is None:
        return out
    try:
        cur = con.execute(
            "SELECT suite_name, expectation, column_name, success, unexpected_count, element_count, observed_value "
            "FROM dq.results WHERE run_id = ? ORDER BY suite_name, expectation, column_name", [run_id])
        columns = [d[0] for d in cur.description]
        out["results"] = [dict(zip(columns, row)) for row in cur.fetchall()]
        cur = con.execute(
            "SELECT coalesce(target_table, '(whole document)') AS target_table, check_name, count(*) AS records "
            "FROM dq.quarantine WHERE run_id = ? GROUP BY ALL ORDER BY records DESC, target_table, check_name",
            [run_id])
        columns = [d[0] for d in cur.description]
        out["quarantine"] = [dict(zip(columns, row)) for row in cur.fetchall()]
    finally:
        con.close()
    return out


def dq_verdict(dq: dict[str, Any]) -> str:
    results = dq.get("results", [])
    failed = [r for r in results if not r["success"]]
    if not results:
        return "no expectations ran"
    return f"{len(results) - len(failed)} of {len(results)} checks passed" + (f", {len(failed)} failed" if failed else "")


def summary_markdown(title: str, summary: dict[str, Any], dq: dict[str, Any],
                     timings: dict[str, float] | None = None, notes: list[str] | None = None) -> str:
    """The run summary as markdown (tables render on the Artifacts tab)."""
    docs = summary.get("documents") or {}
    rows = summary.get("rows_loaded") or {}
    all_timings = {**(timings or {}), **(summary.get("timings") or {})}
    lines = [
        f"# {title}: {summary.get('outcome', 'unknown')}",
        "",
        f"Run `{summary.get('run_id', '?')}` — {summary.get('message', '')}",
        "",
        *(f"- {n}" for n in notes or []),
        "",
        "## Documents by outcome",
        "",
        "| outcome | documents |", "|---|---:|",
        *(f"| {k} | {v} |" for k, v in docs.items()),
        f"| **fetched** | **{summary.get('documents_fetched', 0)}** |",
        "",
        "## Rows loaded by table",
        "",
        "| table | rows |", "|---|---:|",
        *(f"| {k} | {v:,} |" for k, v in sorted(rows.items())),
        *([] if rows else ["| (none) | 0 |"]),
        "",
        "## Data quality",
        "",
        f"**{dq_verdict(dq)}**; {summary.get('rows_quarantined', 0)} rows quarantined by row-level "
        f"expectations; {docs.get('quarantined', 0)} documents quarantined.",
        "",
    ]
    failed = [r for r in dq.get("results", []) if not r["success"]]
    if failed:
        lines += ["| failed check | suite | column | unexpected |", "|---|---|---|---:|",
                  *(f"| {r['expectation']} | {r['suite_name']} | {r['column_name'] or ''} | {r['unexpected_count']} |"
                    for r in failed), ""]
    if dq.get("quarantine"):
        lines += ["| quarantined for | check | records |", "|---|---|---:|",
                  *(f"| {q['target_table']} | {q['check_name']} | {q['records']} |" for q in dq["quarantine"]), ""]
    lines += ["## Timings", "", "| step | seconds |", "|---|---:|",
              *(f"| {k} | {v} |" for k, v in all_timings.items())]
    failures = summary.get("fetch_failures") or []
    if failures:
        lines += ["", f"## {len(failures)} downloads failed (retried next run)", "",
                  "| source | title | error |", "|---|---|---|",
                  *(f"| {f['source']} | {f['title']} | {f['error'][:120]} |" for f in failures[:50])]
    return "\n".join(lines)


def dq_table(dq: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows for the DQ table artifact (a list of dicts keeps the headers)."""
    return [{"suite": r["suite_name"], "check": r["expectation"], "column": r["column_name"] or "",
             "success": bool(r["success"]), "unexpected": r["unexpected_count"], "checked": r["element_count"],
             "observed": (r["observed_value"] or "")[:200]} for r in dq.get("results", [])]


def publish_run_artifacts(title: str, summary: dict[str, Any], published: Path,
                          timings: dict[str, float] | None = None, notes: list[str] | None = None) -> dict[str, Any]:
    """Create the summary and DQ artifacts on the current flow run; returns the DQ it read."""
    from prefect.artifacts import create_markdown_artifact, create_table_artifact

    dq = read_run_dq(published, summary["run_id"]) if summary.get("outcome") == "published" else {}
    create_markdown_artifact(key=SUMMARY_KEY, markdown=summary_markdown(title, summary, dq, timings, notes),
                             description=f"{title}: documents, rows, data quality and timings")
    table = dq_table(dq)
    if table:
        create_table_artifact(key=DQ_KEY, table=table,
                              description=f"Data-quality checks of run {summary['run_id']}: {dq_verdict(dq)}")
    return dq

"""prefect.yaml, read as `prefect deploy` reads it: every deployment points at a real flow with
valid parameters, the schedules (which live only there) run in the project's one time zone,
shared settings come from `definitions:` anchors — and the whole graph is listed here, so a
rename or a changed cron is never silent."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

from flows.business_days import CALENDARS
from settings import DEFAULT_CONFIG
from transforms.normalise.dates import MARKET_TIMEZONE

REPO = Path(__file__).resolve().parents[2]
GRAPH = {  # deployment → (flow, cron or None)
    "ingest-market-data-daily": ("ingest_market_data", "30 18 * * *"),
    "discover-trustee-reports-business-hours": ("discover_trustee_reports", "0 9,12,15,18 * * *"),
    "ingest-amc-bonds-daily": ("ingest_amc_bonds", "0 19 * * *"),
    "discover-exchange-disclosures-business-hours": ("discover_exchange_disclosures", "30 8,12,17,20 * * *"),
    "reconcile-warehouse-weekly": ("reconcile_warehouse", "0 3 * * 6"),
    "backfill-warehouse-on-demand": ("backfill_warehouse", None),
}


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))


def _flow(entrypoint: str):
    path, name = entrypoint.split(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    return getattr(module, name)


def test_the_deployment_graph(spec):
    assert {d["name"]: _flow(d["entrypoint"]).name for d in spec["deployments"]} == {k: v[0] for k, v in GRAPH.items()}
    for d in spec["deployments"]:
        assert d["name"].startswith(_flow(d["entrypoint"]).name.replace("_", "-") + "-"), "name is <flow>-<cadence>"


def test_every_deployment_uses_the_shared_process_pool_and_is_tagged(spec):
    pool = spec["definitions"]["work_pools"]["process"]
    for d in spec["deployments"]:
        assert d["work_pool"] is pool or d["work_pool"] == pool, d["name"]     # the anchor, merged
        assert d["work_pool"]["name"] == "abs-etl-process"
        assert d["enforce_parameter_schema"] is True
        assert "abs-etl" in d["tags"] and d["description"]


def test_schedules_live_in_prefect_yaml_in_the_projects_time_zone(spec):
    for d in spec["deployments"]:
        _, cron = GRAPH[d["name"]]
        if cron is None:
            assert not d.get("schedules"), d["name"]
            continue
        assert [(s["cron"], s["timezone"], s["active"]) for s in d["schedules"]] == [(cron, MARKET_TIMEZONE.key, True)]
    assert spec["definitions"]["timezone"] == MARKET_TIMEZONE.key       # written once, used through an anchor
    text = (REPO / "prefect.yaml").read_text(encoding="utf-8")
    assert text.count(MARKET_TIMEZONE.key) == 1
    assert "[schedules]" not in DEFAULT_CONFIG.read_text(encoding="utf-8")


def test_parameters_are_valid_for_their_flows(spec):
    for d in spec["deployments"]:
        flow = _flow(d["entrypoint"])
        params = d.get("parameters") or {}
        assert set(params) <= set(flow.parameters.properties), d["name"]
        if "calendar" in params:
            assert params["calendar"] in CALENDARS
        if not flow.parameters.required:
            flow.validate_parameters(params)
    backfill = _flow("flows/deployments.py:backfill_warehouse")
    assert backfill.parameters.required == ["date_from", "date_to"]

"""prefect.yaml, read as `prefect deploy` reads it: every deployment points at a real flow with
valid parameters, the schedules equal config/abs-etl.toml in Asia/Shanghai, shared settings come
from `definitions:` anchors — and the whole graph is listed here, so a rename is never silent."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pytest
import yaml

from flows.business_days import CALENDARS

REPO = Path(__file__).resolve().parents[2]
GRAPH = {  # deployment → (flow, cron key in [schedules] or None)
    "ingest-market-data-daily": ("ingest_market_data", "market_data_cron"),
    "discover-trustee-reports-business-hours": ("discover_trustee_reports", "trustee_reports_cron"),
    "ingest-amc-bonds-daily": ("ingest_amc_bonds", "amc_bonds_cron"),
    "discover-exchange-disclosures-business-hours": ("discover_exchange_disclosures", "exchange_disclosures_cron"),
    "rebuild-marts-after-loads": ("rebuild_marts", None),
    "reconcile-warehouse-weekly": ("reconcile_warehouse", "weekly_reconciliation_cron"),
    "backfill-warehouse-on-demand": ("backfill_warehouse", None),
}


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load((REPO / "prefect.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def config() -> dict:
    return tomllib.loads((REPO / "config" / "abs-etl.toml").read_text(encoding="utf-8"))


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


def test_schedules_equal_the_config_in_beijing_time(spec, config):
    schedules = config["schedules"]
    for d in spec["deployments"]:
        _, key = GRAPH[d["name"]]
        if key is None:
            assert not d.get("schedules"), d["name"]
            continue
        assert [(s["cron"], s["timezone"]) for s in d["schedules"]] == [(schedules[key], schedules["timezone"])]
        assert schedules["timezone"] == "Asia/Shanghai"


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


def test_marts_are_rebuilt_after_every_flow_that_loads(spec):
    marts = next(d for d in spec["deployments"] if d["name"] == "rebuild-marts-after-loads")
    (trigger,) = marts["triggers"]
    loaders = {GRAPH[d["name"]][0] for d in spec["deployments"]
               if "writes-warehouse" in d["tags"] and d["name"] != marts["name"]}
    assert set(trigger["match_related"]["prefect.resource.name"]) == loaders
    assert trigger["match_related"]["prefect.resource.role"] == "flow"
    assert trigger["expect"] == ["prefect.flow-run.Completed"]

"""The sample market served from a child process: same answers, faults carried over, and it
never outlives the run that started it."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from sample_market.server import Faults, build_parser, faults_from_args, fault_options
from sample_market.server_process import ServerProcess
from tests.sample_market.test_server import build_market


@pytest.mark.parametrize("faults", [
    Faults(),
    Faults(seed=7, latency_ms="20-200", error_rate=0.25, error_statuses=(429, 503), drop_rate=0.1,
           truncate_rate=0.05, dup_page_rate=0.2, shuffle_rate=1.0, block_rate=0.01, soft_ban_rate=0.3,
           venue_min_interval_ms=50),
    Faults(latency_ms=5),
])
def test_fault_options_give_the_child_the_same_faults(faults):
    assert faults_from_args(build_parser().parse_args(["--dir", "x", *fault_options(faults)])) == faults


def test_the_child_serves_the_market_and_stops(tmp_path):
    build_market(tmp_path)
    with ServerProcess(tmp_path) as server:
        assert requests.get(server.url + "/health", timeout=5).status_code == 200
        index = requests.get(server.url + "/vendor/index.json", timeout=5).json()
        curve = next(doc for doc in index["documents"] if doc["doc_type"] == "yield_curve")
        assert curve["url"].startswith(server.url + "/")  # the child knows the port it answers on
        assert requests.get(curve["url"], timeout=5).content == (tmp_path / "market/curves/govt_2016.xlsx").read_bytes()
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/health", timeout=2)


def test_the_child_applies_its_faults(tmp_path):
    build_market(tmp_path)
    with ServerProcess(tmp_path, faults=Faults(block_rate=1.0)) as server:
        assert requests.get(server.url + "/health", timeout=5).text == "ok"  # the probe is never faulted
        page = requests.get(server.url + "/vendor/index.json", timeout=5)
        assert page.status_code == 200 and "访问受限" in page.text


def test_a_bad_directory_is_a_clear_error(tmp_path):
    with pytest.raises(RuntimeError, match="did not start"):
        ServerProcess(tmp_path / "nowhere")


def test_the_server_ends_when_the_run_that_started_it_is_killed(tmp_path):
    build_market(tmp_path)
    run = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from sample_market.server_process import ServerProcess\n"
         f"s = ServerProcess({str(tmp_path)!r}); print(s.url, flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE, text=True)
    url = run.stdout.readline().strip()
    assert requests.get(url + "/health", timeout=5).status_code == 200
    run.kill()  # no clean-up runs: the server must notice by itself
    run.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/health", timeout=1)
        except requests.ConnectionError:
            return
        time.sleep(0.2)
    pytest.fail(f"the sample market at {url} outlived the killed run")

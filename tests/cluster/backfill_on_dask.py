"""A Prefect worker's view of the backfill, parsing on a real Dask cluster: the flow is loaded
from the deployments' entry file by its path (as a `process` worker loads a deployment, under the
module name ``deployments``), parse batches go to a `distributed.LocalCluster` of worker
processes. Prints the run summary as JSON.

Usage: python backfill_on_dask.py DATA_DIR INBOX
"""

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def main(data_dir: str, inbox: str) -> int:
    from distributed import LocalCluster
    from prefect.flows import load_flow_from_entrypoint
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url  # the Dask workers report to this server
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1", local_directory=str(Path(data_dir) / "dask")) as cluster:
        os.environ.update({"ABS_ETL_PATHS__DATA_DIR": data_dir, "ABS_ETL_PIPELINE__TASK_RUNNER": "dask",
                           "ABS_ETL_PIPELINE__DASK_ADDRESS": cluster.scheduler_address})
        os.chdir(REPO)
        backfill = load_flow_from_entrypoint("flows/deployments.py:backfill_warehouse")
        assert backfill.fn.__module__ == "deployments", backfill.fn.__module__  # what a worker loads
        summary = backfill(date_from="2025-03-01", date_to="2025-03-31", source="inbox", inbox_paths=[inbox])
    print(json.dumps({k: summary[k] for k in ("outcome", "documents", "documents_fetched")}))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))

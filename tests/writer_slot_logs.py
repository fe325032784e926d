"""What a run's logs say about the warehouse writer slot (``flows.writer_slot``): when the run
held it and whether it waited. Shared by the tests that start two runs at once on a Prefect
server and on the cluster. The limit's name is written out, not imported: a renamed limit is a
change deployments must follow, and these tests say so."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

WRITER_LIMIT = "abs-etl-warehouse-writer"
RELEASED = f"writer slot '{WRITER_LIMIT}' released at "


def hold_interval(logs: Iterable[dict], flow_run_id: str) -> tuple[datetime, datetime, bool]:
    """(acquired at, released at, waited first) from one flow run's log records."""
    acquired = released = None
    waited = False
    for log in logs:
        message = log["message"]
        if message.startswith(f"writer slot '{WRITER_LIMIT}' acquired at "):
            acquired = datetime.fromisoformat(message.split(" acquired at ")[1].split(" after ")[0])
        elif message.startswith(RELEASED):
            released = datetime.fromisoformat(message.split(" released at ")[1])
        elif message.startswith("another run holds the warehouse writer slot"):
            waited = True
    assert acquired and released, f"run {flow_run_id} did not log its writer slot"
    return acquired, released, waited

"""A real writer process for the publish tests: builds the warehouse with one marker row.

Usage: python publish_worker.py WAREHOUSE_DIR RUN_ID ROWS SLEEP_SECONDS [LOCK_TIMEOUT]
It inserts ROWS rows into dq.runs-like marker table, sleeps (so tests can kill it mid-build or
start a rival), then publishes.
"""

import sys
import time
from pathlib import Path

from warehouse.publish import WarehouseBusy, WarehouseLayout, build_and_publish


def main() -> int:
    warehouse_dir, run_id, rows, sleep_s = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    lock_timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 0

    def write(con):
        con.execute("CREATE TABLE IF NOT EXISTS main.marker (run_id VARCHAR, n INTEGER, written_at DOUBLE)")
        con.execute(
            "INSERT INTO main.marker SELECT ?, range, ? FROM range(?)", [run_id, time.time(), rows]
        )
        print(f"{run_id} writing", flush=True)
        time.sleep(sleep_s)
        con.execute("UPDATE main.marker SET written_at = ? WHERE run_id = ?", [time.time(), run_id])

    try:
        build_and_publish(WarehouseLayout(Path(warehouse_dir)), run_id, write, lambda con: None,
                          lock_timeout_seconds=lock_timeout)
    except WarehouseBusy as exc:
        print(f"busy: {exc}", flush=True)
        return 3
    print(f"{run_id} published", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

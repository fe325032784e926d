"""An analyst's process on another machine: attaches the lake read-only (settings from the
environment, like any client of the cluster) and reads several tables in one query, again and
again, until STOP_FILE appears or SECONDS pass. Prints one JSON line per read:
``{"state": [documents, runs, quarantined, deals, tranche_payments]}``, or ``{"state": null}``
while nothing is published yet.

Usage: python analyst_reader.py STOP_FILE SECONDS
"""

import json
import sys
import time
from pathlib import Path

from settings import Settings
from warehouse.backends import open_backend

QUERY = ("SELECT (SELECT count(*) FROM raw.documents), (SELECT count(*) FROM dq.runs), "
         "(SELECT count(*) FROM dq.quarantine), (SELECT count(*) FROM core.deals), "
         "(SELECT count(*) FROM core.tranche_payments)")


def main() -> int:
    stop, deadline = Path(sys.argv[1]), time.monotonic() + float(sys.argv[2])
    backend = open_backend(Settings())
    con = None
    while not stop.exists() and time.monotonic() < deadline:
        if con is None:
            try:
                con = backend.open_read_only()
            except FileNotFoundError:
                print(json.dumps({"state": None}), flush=True)
                time.sleep(0.5)
                continue
        print(json.dumps({"state": list(con.execute(QUERY).fetchone())}), flush=True)
        time.sleep(0.2)
    if con is not None:
        con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""One writer at a time, across every flow and every worker: a Prefect global concurrency
limit with one slot that every flow holds while it builds and publishes the warehouse.

A second run *waits* for the slot (up to ``pipeline.lock_timeout_seconds``) and then runs; the
UI shows the limit under Concurrency with the run that holds it. The limit is created at deploy
time (``abs-etl deploy``, or ``prefect gcl create abs-etl-warehouse-writer --limit 1``) and is
acquired with ``strict=True``: a missing limit is an error, never a silent no-op. Flows call
:func:`ensure_writer_limit` first, so a run on a fresh or temporary server creates it once.

Inside the slot the job (``pipeline.job``) still takes its OS file lock on the warehouse
directory: that lock guards runs started outside Prefect (and a crashed holder whose lease
has not expired yet).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone

WRITER_LIMIT = "abs-etl-warehouse-writer"
"""Name of the global concurrency limit (one slot) that guards the warehouse."""


@dataclass
class SlotTiming:
    """When this run asked for, got and gave back the writer slot (UTC)."""

    requested_at: datetime
    acquired_at: datetime | None = None
    released_at: datetime | None = None

    @property
    def waited_s(self) -> float:
        end = self.acquired_at or datetime.now(timezone.utc)
        return round((end - self.requested_at).total_seconds(), 3)


def ensure_writer_limit(client=None, name: str = WRITER_LIMIT) -> str:
    """Create the one-slot limit if the server lacks it; returns what was done (for the log).

    An existing limit is left as the operator set it; a limit that is inactive or has more than
    one slot would let writers overlap, so it is reported as a problem.
    """
    from prefect import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    def _ensure(c) -> str:
        try:
            limit = c.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            try:
                c.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1, active=True))
                return f"created global concurrency limit {name!r} with 1 slot"
            except ObjectAlreadyExists:  # another run created it a moment ago
                return f"global concurrency limit {name!r} exists"
        if not limit.active or limit.limit != 1:
            return (f"WARNING: global concurrency limit {name!r} is {'active' if limit.active else 'INACTIVE'} "
                    f"with {limit.limit} slots; set it active with 1 slot or writers may overlap")
        return f"global concurrency limit {name!r} exists (1 slot)"

    if client is not None:
        return _ensure(client)
    with get_client(sync_client=True) as c:
        return _ensure(c)


@contextmanager
def writer_slot(logger, timeout_seconds: float, name: str = WRITER_LIMIT) -> Iterator[SlotTiming]:
    """Hold the warehouse writer slot for the body; waits while another run holds it."""
    from prefect import get_client
    from prefect.client.schemas.objects import ConcurrencyLeaseHolder
    from prefect.concurrency.sync import concurrency
    from prefect.runtime import flow_run

    with get_client(sync_client=True) as client:
        note = ensure_writer_limit(client, name)
        (logger.warning if note.startswith("WARNING") else logger.debug)(note)
        limit = client.read_global_concurrency_limit_by_name(name)
    if limit.active_slots >= limit.limit:
        logger.info("another run holds the warehouse writer slot %r: waiting for it (up to %.0f s)",
                    name, timeout_seconds)
    holder = ConcurrencyLeaseHolder(type="flow_run", id=flow_run.id) if flow_run.id else None
    timing = SlotTiming(requested_at=datetime.now(timezone.utc))
    started = time.monotonic()
    with concurrency(name, occupy=1, timeout_seconds=timeout_seconds, strict=True, holder=holder):
        timing.acquired_at = datetime.now(timezone.utc)
        logger.info("writer slot %r acquired at %s after waiting %.1f s", name,
                    timing.acquired_at.isoformat(timespec="milliseconds"), time.monotonic() - started)
        try:
            yield timing
        finally:
            timing.released_at = datetime.now(timezone.utc)
            logger.info("writer slot %r released at %s", name, timing.released_at.isoformat(timespec="milliseconds"))

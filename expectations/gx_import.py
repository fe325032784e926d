"""Great Expectations, imported without the modules it loads for expectations the gate never uses.

``import great_expectations`` registers every core expectation, and the KL-divergence one
imports ``scipy.stats`` and ``altair`` (for its statistics and its chart) at import time; two KS
test metrics import ``scipy.stats`` too. The gate uses none of them, but a run's process would
hold them through validation and the load: 197 → 119 MB for the import with both deferred
(measured in one process with polars, pyarrow and DuckDB already imported). Deferred, they are
imported on first use, by GX or by anyone else, and behave as usual from then on.
"""

from __future__ import annotations

import importlib
import os
import sys
import types
from typing import Any

DEFERRED = ("scipy.stats", "altair")


class DeferredModule(types.ModuleType):
    """Stands in ``sys.modules`` for a module until one of its attributes is read, then imports
    the real module (which takes its place there) and answers from it."""

    def __getattr__(self, attribute: str) -> Any:
        real = sys.modules.get(self.__name__)
        if real is self:
            del sys.modules[self.__name__]
            try:
                real = importlib.import_module(self.__name__)
            except BaseException:
                sys.modules[self.__name__] = self
                raise
        return getattr(real, attribute)


def import_gx() -> types.ModuleType:
    """``great_expectations``, imported once, with ``DEFERRED`` modules left for their first use."""
    if "great_expectations" in sys.modules:
        return sys.modules["great_expectations"]
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    placed = [name for name in DEFERRED if name not in sys.modules]
    for name in placed:
        sys.modules[name] = DeferredModule(name)
    try:
        import great_expectations
    except BaseException:
        for name in placed:   # a failed import leaves nothing of ours behind
            if isinstance(sys.modules.get(name), DeferredModule):
                del sys.modules[name]
        raise
    return great_expectations

"""The expectation suites, one module per core table (``expectations/suites/<table>.py``).

Each module declares ``TABLE`` and ``CHECKS`` with the constructors of
:mod:`expectations.checks`. The key of every table comes from its load rule
(``warehouse.tables``) and is added here: every key column not null (a row rule) and the key
unique (a batch check), so the loader, the migrations test and the suites read one
declaration.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from expectations.checks import Check, not_null, unique
from warehouse.tables import RULES as LOAD_RULES


@dataclass(frozen=True)
class Suite:
    """Every check on one table: its key checks, then what its module declares."""

    table: str
    checks: tuple[Check, ...]

    @property
    def row_rules(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.action == "quarantine")

    @property
    def batch_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.action == "refuse")


def module_name(table: str) -> str:
    """``core.tranche_payments`` → ``expectations.suites.tranche_payments``."""
    schema, name = table.split(".")
    if schema != "core":
        raise KeyError(f"suites cover core tables, not {table}")
    return f"{__name__}.{name}"


@cache
def suite_for(table: str) -> Suite:
    module = importlib.import_module(module_name(table))
    if module.TABLE != table:
        raise ValueError(f"{module.__name__} declares {module.TABLE}, expected {table}")
    declared = tuple(module.CHECKS)
    wrong = [c.name for c in declared if c.table != table]
    if wrong:
        raise ValueError(f"{module.__name__} declares checks of another table: {wrong}")
    key = LOAD_RULES[table].key
    return Suite(table, (*(not_null(table, c) for c in key), unique(table, key), *declared))


def all_suites() -> list[Suite]:
    """A suite for every table that has a load rule (a missing module is an ImportError)."""
    return [suite_for(table) for table in sorted(LOAD_RULES)]


def all_checks() -> list[Check]:
    return [check for suite in all_suites() for check in suite.checks]

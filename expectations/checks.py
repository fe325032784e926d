"""The vocabulary of data-quality checks: each declaration is one Great Expectations expectation
*and* the polars mask of the rows that break it.

GX decides (the checkpoint's result is what gates the publish and what ``dq.results`` and the
Data Docs show); the mask finds the rows — to quarantine them, or to quote them when a batch is
refused — because GX's COMPLETE result format is far too slow for that on large batches. A
test breaks every declaration on the ground truth and checks that both sides agree.

Two actions:

- ``quarantine`` (row rules): a row that breaks it is impossible on its own (a rate above 1, an
  unknown market, a missing key); it leaves the batch for ``dq.quarantine`` with the rule's name
  and the rest of the run goes on.
- ``refuse`` (batch checks): keys, relationships between tables and arithmetic across columns.
  Their failure means the batch is wrong as a whole (a parser that swapped two columns, a
  report whose deal never arrived), so the checkpoint fails and the publish is refused. Each
  carries ``mostly``: the share of rows that must pass, 1.0 unless the business tolerates gaps.

Some checks need a column GX cannot compute from one frame: whether a key exists in a parent
table, or the sum two columns bound. :meth:`Check.prepare` adds those *derived* columns (exact,
in polars) before the frame goes to GX, and the expectation is stated on them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import polars as pl

Action = Literal["quarantine", "refuse"]
Kind = Literal["not_null", "between", "in_set", "pair_not_after", "unique", "references", "at_most"]

ROW_KINDS = frozenset({"not_null", "between", "in_set", "pair_not_after"})
"""Kinds a single row decides; only these may quarantine."""

ParentKeys = dict[tuple[str, tuple[str, ...]], pl.DataFrame]
"""(parent table, parent key columns) → the distinct keys a build holds for it."""


@dataclass(frozen=True)
class Check:
    """One expectation on one table.

    ``columns`` are the checked columns (for ``references``: the child's columns, matched in
    order to ``args["parent_columns"]`` of ``args["parent"]``; for ``at_most``: ``(a, b)`` or
    ``(a, b, c)`` meaning a ≤ b (+ c, missing c counting as 0)). ``why`` says in English why
    the check exists or why ``mostly`` is below 1; it is shown in the Data Docs.
    """

    table: str
    kind: Kind
    columns: tuple[str, ...]
    args: dict[str, Any] = field(default_factory=dict)
    action: Action = "quarantine"
    mostly: float = 1.0
    why: str = ""

    def __post_init__(self) -> None:
        if self.action == "quarantine" and self.kind not in ROW_KINDS:
            raise ValueError(f"{self.kind} looks across rows or tables and cannot quarantine a row: use action='refuse'")
        if not 0 < self.mostly <= 1:
            raise ValueError(f"mostly must be within (0, 1], got {self.mostly}")
        if self.action == "quarantine" and self.mostly != 1:
            raise ValueError("a row rule quarantines every row that breaks it; mostly applies to batch checks")

    # ── naming ───────────────────────────────────────────────────────────────────────────
    @property
    def name(self) -> str:
        """Stable name used in dq.results, dq.quarantine, the Data Docs and refusal messages."""
        if self.kind == "references":
            return f"references({','.join(self.columns)}→{self.parent})"
        if self.kind == "at_most":
            return f"at_most({self.columns[0]}≤{'+'.join(self.columns[1:])})"
        target = ",".join(self.columns)
        extra = ",".join(f"{k}={v}" for k, v in sorted(self.args.items()) if k != "value_set")
        return f"{self.kind}({target}{';' + extra if extra else ''})"

    @property
    def column_label(self) -> str:
        return ",".join(self.columns)

    @property
    def parent(self) -> str:
        return self.args["parent"]

    @property
    def parent_columns(self) -> tuple[str, ...]:
        return tuple(self.args.get("parent_columns") or self.columns)

    @property
    def derived_column(self) -> str | None:
        """The column :meth:`prepare` adds for GX, if any."""
        if self.kind == "references":
            return f"{','.join(self.columns)} in {self.parent}({','.join(self.parent_columns)})"
        if self.kind == "at_most" and len(self.columns) == 3:
            return f"{self.columns[1]} + {self.columns[2]}"
        return None

    def applies_to(self, frame: pl.DataFrame) -> bool:
        """A frame that lacks a checked column (a document family that never states it) is not checked."""
        return all(c in frame.columns for c in self.columns)

    # ── polars side ──────────────────────────────────────────────────────────────────────
    def prepare(self, frame: pl.DataFrame, parents: ParentKeys | None = None) -> pl.DataFrame:
        """``frame`` with this check's derived column added (unchanged when it needs none)."""
        if self.kind == "references":
            keys = (parents or {}).get((self.parent, self.parent_columns))
            if keys is None:
                raise KeyError(f"{self.name}: no keys of {self.parent} were given")
            found = (keys.rename(dict(zip(self.parent_columns, self.columns)))
                     .cast({c: frame.schema[c] for c in self.columns}).unique()
                     .with_columns(pl.lit(True).alias("_found")))
            joined = frame.select(self.columns).join(found, on=list(self.columns), how="left",
                                                     maintain_order="left", nulls_equal=False)
            missing_child = pl.any_horizontal([pl.col(c).is_null() for c in self.columns])
            flag = joined.select(pl.when(missing_child).then(None).otherwise(pl.col("_found").fill_null(False))
                                 .alias(self.derived_column)).to_series()
            return frame.with_columns(flag)
        if self.kind == "at_most" and len(self.columns) == 3:
            _, b, c = self.columns
            return frame.with_columns((pl.col(b) + pl.col(c).fill_null(0)).alias(self.derived_column))
        return frame

    def failing(self) -> pl.Expr:
        """True on rows of a :meth:`prepare`-d frame that break the check (nulls pass value checks)."""
        cols = self.columns
        if self.kind == "not_null":
            return pl.col(cols[0]).is_null()
        if self.kind == "between":
            c = pl.col(cols[0]).cast(pl.Float64)
            lo, hi = self.args.get("min_value"), self.args.get("max_value")
            bad = pl.lit(False)
            if lo is not None:
                bad = bad | ((c <= lo) if self.args.get("strict_min") else (c < lo))
            if hi is not None:
                bad = bad | (c > hi)
            return bad.fill_null(False)
        if self.kind == "in_set":
            return (~pl.col(cols[0]).is_in(self.args["value_set"])).fill_null(False)
        if self.kind == "pair_not_after":
            return (pl.col(cols[0]) > pl.col(cols[1])).fill_null(False)
        if self.kind == "unique":
            present = pl.all_horizontal([pl.col(c).is_not_null() for c in cols])
            key = pl.col(cols[0]) if len(cols) == 1 else pl.struct(list(cols))
            return (key.is_duplicated() & present).fill_null(False)
        if self.kind == "references":
            return (pl.col(self.derived_column) == False).fill_null(False)  # noqa: E712 (polars expression)
        if self.kind == "at_most":
            bound = pl.col(self.derived_column) if len(cols) == 3 else pl.col(cols[1])
            return (pl.col(cols[0]) > bound).fill_null(False)
        raise ValueError(f"unknown check kind {self.kind}")

    # ── GX side ──────────────────────────────────────────────────────────────────────────
    def expectation(self):
        """The same check as a GX expectation (GX imported lazily: it takes seconds)."""
        from expectations.gx_import import import_gx

        E = import_gx().expectations
        common: dict[str, Any] = {"meta": {"check": self.name, "action": self.action}}
        if self.why:
            common["notes"] = self.why
        if self.mostly < 1:
            common["mostly"] = self.mostly
        cols = self.columns
        if self.kind == "not_null":
            return E.ExpectColumnValuesToNotBeNull(column=cols[0], **common)
        if self.kind == "between":
            return E.ExpectColumnValuesToBeBetween(column=cols[0], **self.args, **common)
        if self.kind == "in_set":
            return E.ExpectColumnValuesToBeInSet(column=cols[0], value_set=list(self.args["value_set"]), **common)
        if self.kind == "pair_not_after":
            return E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=cols[1], column_B=cols[0], or_equal=True, ignore_row_if="either_value_is_missing", **common)
        if self.kind == "unique":
            if len(cols) == 1:
                return E.ExpectColumnValuesToBeUnique(column=cols[0], **common)
            return E.ExpectCompoundColumnsToBeUnique(column_list=list(cols), **common)
        if self.kind == "references":
            return E.ExpectColumnValuesToBeInSet(
                column=self.derived_column, value_set=[True],
                description=f"{', '.join(cols)} of every row names a row of {self.parent} "
                            f"({', '.join(self.parent_columns)}) loaded in this batch or already in the warehouse"
                            + (f", for at least {self.mostly:.0%} of rows" if self.mostly < 1 else ""),
                **common)
        if self.kind == "at_most":
            bound = self.derived_column if len(cols) == 3 else cols[1]
            return E.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=bound, column_B=cols[0], or_equal=True, ignore_row_if="either_value_is_missing", **common)
        raise ValueError(f"unknown check kind {self.kind}")


# ── constructors, so suites read as declarations ─────────────────────────────────────────
def not_null(table: str, column: str) -> Check:
    return Check(table, "not_null", (column,))


def between(table: str, column: str, min_value: float | None = None, max_value: float | None = None,
            strict_min: bool = False) -> Check:
    args: dict[str, Any] = {}
    if min_value is not None:
        args["min_value"] = min_value
    if max_value is not None:
        args["max_value"] = max_value
    if strict_min:
        args["strict_min"] = True
    return Check(table, "between", (column,), args)


def in_set(table: str, column: str, values) -> Check:
    return Check(table, "in_set", (column,), {"value_set": tuple(values)})


def not_after(table: str, earlier: str, later: str) -> Check:
    """Dates in order: ``earlier`` ≤ ``later`` (a row that breaks it is quarantined)."""
    return Check(table, "pair_not_after", (earlier, later))


def unique(table: str, columns: tuple[str, ...]) -> Check:
    return Check(table, "unique", tuple(columns), action="refuse",
                 why="one row per key: the loader merges on it, and two rows for one key cannot both be right")


def references(table: str, columns: tuple[str, ...] | str, parent: str, parent_columns: tuple[str, ...] | None = None,
               mostly: float = 1.0, why: str = "") -> Check:
    columns = (columns,) if isinstance(columns, str) else tuple(columns)
    args: dict[str, Any] = {"parent": parent}
    if parent_columns:
        args["parent_columns"] = tuple(parent_columns)
    return Check(table, "references", columns, args, action="refuse", mostly=mostly, why=why)


def at_most(table: str, column: str, bound: str, plus: str | None = None, mostly: float = 1.0, why: str = "") -> Check:
    """``column`` ≤ ``bound`` (+ ``plus``): arithmetic across columns, checked for the batch."""
    columns = (column, bound) if plus is None else (column, bound, plus)
    return Check(table, "at_most", columns, action="refuse", mostly=mostly, why=why)

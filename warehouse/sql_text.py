"""SQL string literals, for the few statements a run sends before it needs pandas.

DuckDB's Python client (1.5) imports pandas — and with it pyarrow and numpy, ~85 MB — the first
time it binds a parameter of any type, to check whether the value is a pandas object. A run's
process needs them only from its decide step on; statements it sends while fetching and parsing
put their values in the SQL text instead, quoted here.
"""

from __future__ import annotations


def sql_text(value: str | None) -> str:
    """A DuckDB string literal of ``value`` (``NULL`` for None): single quotes doubled, and no
    NUL characters (DuckDB refuses them in text anyway)."""
    if value is None:
        return "NULL"
    if "\x00" in value:
        raise ValueError("a NUL character cannot be part of an SQL string")
    return "'" + str(value).replace("'", "''") + "'"

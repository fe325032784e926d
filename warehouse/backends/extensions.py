"""DuckDB extensions for the lake (ducklake, postgres, httpfs), loaded offline from the PyPI
wheels ``duckdb-extension-<name>==<duckdb version>`` (the ``.[cluster]`` extra).

A plain ``INSTALL`` downloads from the internet; here every connection gets an explicit
``extension_directory`` holding links to the files shipped in the wheels, auto-install is off,
and nothing is written to the home folder. The postgres file is linked under its real name,
``postgres_scanner`` (DuckDB derives the entry point from the file name).
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

import duckdb

# wheel module → name DuckDB loads it by
LAKE_EXTENSIONS = {"ducklake": "ducklake", "httpfs": "httpfs", "postgres": "postgres_scanner"}


class ExtensionUnavailable(RuntimeError):
    """An extension wheel for this DuckDB version is not installed."""


def _platform_and_version() -> tuple[str, str]:
    con = duckdb.connect()
    try:
        return con.execute("PRAGMA platform").fetchone()[0], con.execute("PRAGMA version").fetchone()[0]
    finally:
        con.close()


def extension_directory() -> Path:
    """A per-user folder of links to the wheel files, laid out as DuckDB expects
    (``<dir>/<version>/<platform>/<name>.duckdb_extension``)."""
    platform, version = _platform_and_version()
    root = Path(os.environ.get("ABS_ETL_DUCKDB_EXTENSION_DIR")
                or Path(tempfile.gettempdir()) / f"abs-etl-duckdb-extensions-{os.getuid()}")
    target = root / version / platform
    target.mkdir(parents=True, exist_ok=True)
    for module, name in LAKE_EXTENSIONS.items():
        spec = importlib.util.find_spec(f"duckdb_extension_{module}")
        if spec is None or not spec.submodule_search_locations:
            raise ExtensionUnavailable(
                f"the DuckDB extension wheel duckdb-extension-{module}=={version.lstrip('v')} is not installed: "
                "pip install -c constraints.txt -e '.[cluster]'")
        shipped = Path(list(spec.submodule_search_locations)[0]) / "extensions" / version / f"{module}.duckdb_extension"
        if not shipped.exists():
            raise ExtensionUnavailable(f"{shipped} is missing: the wheel does not match DuckDB {version}")
        link = target / f"{name}.duckdb_extension"
        if not (link.is_symlink() and link.resolve() == shipped.resolve()):
            tmp = target / f".{name}.{os.getpid()}.tmp"
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(shipped)
            os.replace(tmp, link)
    return root


def connect_with_lake_extensions(database: str = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with ducklake, postgres_scanner and httpfs loaded, offline."""
    config = {"extension_directory": str(extension_directory()), "autoinstall_known_extensions": False,
              "autoload_known_extensions": True}
    con = duckdb.connect(database, read_only=read_only, config=config)
    for name in LAKE_EXTENSIONS.values():
        con.execute(f"LOAD {name}")
    return con

"""One settings object for the whole project: the TOML file, then environment overrides.

Resolved lazily by :func:`get_settings` (never at import time). The file is
``config/abs-etl.toml`` in the project, or the path in ``ABS_ETL_CONFIG``. Environment variables
``ABS_ETL_<SECTION>__<KEY>`` override single keys.

Schedules are not settings: the deployments' crons live in ``prefect.yaml`` (one place, read by
``prefect deploy``); a ``[schedules]`` section here is refused rather than silently ignored.
"""

from __future__ import annotations

import os
import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "abs-etl.toml"


class Paths(BaseModel):
    data_dir: Path = Path("data")

    def resolved(self) -> "Paths":
        base = self.data_dir if self.data_dir.is_absolute() else PROJECT_ROOT / self.data_dir
        return Paths(data_dir=base)

    @property
    def raw_dir(self) -> Path:
        return self.data_dir / "raw"

    @property
    def warehouse_dir(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def sample_dir(self) -> Path:
        return self.data_dir / "sample_market"

    @property
    def dq_docs_dir(self) -> Path:
        """Great Expectations Data Docs of the latest validations (static, offline)."""
        return self.data_dir / "dq_docs"


class SampleMarketSettings(BaseModel):
    scale: Literal["seed", "market-year"] = "seed"
    seed: int = 20251231
    host: str = "127.0.0.1"
    # Fault knobs of the loopback server (shares of requests), for reliability drills.
    error_rate: float = Field(0.0, ge=0, le=1)
    truncate_rate: float = Field(0.0, ge=0, le=1)
    drop_rate: float = Field(0.0, ge=0, le=1)
    block_rate: float = Field(0.0, ge=0, le=1)
    latency_ms: int = Field(0, ge=0)
    fault_seed: int = 0
    # Downloads in flight at once: the loopback server is ours to load.
    download_concurrency: int = Field(16, ge=1)
    # A file the server appends every request it answers to ("" = none): what a run asked for.
    access_log: str = ""
    # The exchange venues on loopback: how far apart the connectors space their requests
    # (the real sites get [sources.sse] etc.), and the server's soft-ban 404 share.
    venue_min_interval_seconds: float = Field(0.0, ge=0)
    soft_ban_rate: float = Field(0.0, ge=0, le=1)


class VenueSettings(BaseModel):
    """Politeness towards one exchange disclosure site (see sources/polite.py)."""

    page_size: int = Field(25, ge=1, le=100)
    start_date: Optional[date] = None          # a first run (no cursor) lists from this day
    timeout_seconds: float = 30
    max_attempts: int = Field(6, ge=1)
    min_interval_seconds: float = Field(1.5, ge=0)
    jitter_seconds: float = Field(1.0, ge=0)
    soft_ban_retries: int = Field(3, ge=0)
    soft_ban_wait_seconds: float = Field(30.0, ge=0)


class SseSourceSettings(VenueSettings):
    query_url: str = "https://query.sse.com.cn"
    static_url: str = "https://static.sse.com.cn"
    referer: str = "https://bond.sse.com.cn/disclosure/announ/abs/"


class SzseSourceSettings(VenueSettings):
    base_url: str = "https://www.szse.cn"
    static_url: str = "https://disc.static.szse.cn"
    page_size: int = Field(30, ge=1, le=50)
    channel_codes: list[str] = ["bondinfoNotice_disc"]
    small_category_ids: list[str] = ["013903", "013904"]


class ChinamoneySourceSettings(VenueSettings):
    base_url: str = "https://www.chinamoney.com.cn"
    page_size: int = Field(15, ge=1, le=999)
    search_text: str = "运营报告"
    min_interval_seconds: float = Field(3.0, ge=0)
    jitter_seconds: float = Field(2.0, ge=0)


class ShclearingSourceSettings(VenueSettings):
    base_url: str = "https://www.shclearing.com.cn"
    page_size: int = Field(20, ge=1, le=100)
    search_text: str = "资产支持票据 运营报告"
    min_interval_seconds: float = Field(2.5, ge=0)


class ChinabondSettings(BaseModel):
    base_url: str = "https://www.chinabond.com.cn"
    curve_base_url: str = "https://yield.chinabond.com.cn"
    page_size: int = Field(100, ge=1, le=100)
    timeout_seconds: float = 30
    max_attempts: int = 6
    # Downloads in flight at once: a real site gets a polite few.
    download_concurrency: int = Field(2, ge=1)


class Sources(BaseModel):
    default: Literal["sample_market", "chinabond", "inbox"] = "sample_market"
    sample_market: SampleMarketSettings = SampleMarketSettings()
    chinabond: ChinabondSettings = ChinabondSettings()
    sse: SseSourceSettings = SseSourceSettings()
    szse: SzseSourceSettings = SzseSourceSettings()
    chinamoney: ChinamoneySourceSettings = ChinamoneySourceSettings()
    shclearing: ShclearingSourceSettings = ShclearingSourceSettings()


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class Pipeline(BaseModel):
    batch_size: int = Field(200, ge=1)                       # documents per parse task
    max_workers: int = Field(default_factory=_cores, ge=1)   # parse workers at once (default: the cores)
    # Who supervises parse batches: threads of the flow's process ("thread"), a local process
    # pool ("process"), or an existing Dask cluster ("dask", at dask_address, e.g.
    # "tcp://127.0.0.1:8786"). Documents are parsed in isolated child processes in every case.
    task_runner: Literal["thread", "process", "dask"] = "thread"
    dask_address: str = ""
    quarantine_share_limit: float = Field(0.05, ge=0, le=1)
    # Tables a publishable build must hold rows in (e.g. ["core.deals", "core.tranches"]);
    # a build where one is missing or empty is refused.
    required_tables: list[str] = []
    lock_timeout_seconds: float = 3600
    # DuckDB's memory for a build (MB; beyond it DuckDB spills to disk); 0: DuckDB's default (80 % of RAM)
    build_memory_mb: int = Field(512, ge=0)


class Limits(BaseModel):
    """What one document may cost before it is quarantined instead of parsed (hostile input)."""

    max_document_mb: float = Field(50, gt=0)          # bytes of one fetched/dropped document
    max_uncompressed_mb: float = Field(200, gt=0)     # total inflated size of a ZIP container (XLSX)
    max_zip_members: int = Field(2000, ge=1)          # members of a ZIP container
    max_compression_ratio: float = Field(100, gt=1)   # inflated ÷ compressed, per container
    max_pdf_pages: int = Field(500, ge=1)
    max_text_chars: int = Field(5_000_000, ge=1)      # characters of text extracted from one document
    max_json_depth: int = Field(64, ge=1)
    max_json_mb: float = Field(20, gt=0)
    seconds_per_document: float = Field(60, gt=0)
    worker_memory_mb: int = Field(2048, ge=256)       # address space documents may add to a parse worker process
    worker_retire_mb: int = Field(160, ge=0)          # a parse worker holding more after a batch is replaced (0: never)


_LIMIT_UNITS = {
    "max_document_mb": "MB", "max_uncompressed_mb": "MB", "max_json_mb": "MB", "worker_memory_mb": "MB",
    "seconds_per_document": "s", "max_pdf_pages": "page", "max_zip_members": "member",
    "max_text_chars": "character", "max_json_depth": "level", "max_compression_ratio": "ratio",
}


def over_limit_text(name: str, value: float, had: str) -> str:
    """How every limit breach reads: what the document had, the configured value, the key,
    e.g. "xlsx inflates to 900.0 MB, over the 200 MB limit (limits.max_uncompressed_mb)"."""
    unit = _LIMIT_UNITS[name]
    number = f"{value:,.0f}" if float(value) == int(value) else f"{value:,}"
    shown = {"MB": f"{number} MB", "s": f"{number} s", "ratio": f"{number}:1 compression"}.get(unit, f"{number}-{unit}")
    return f"{had}, over the {shown} limit (limits.{name})"


class Publish(BaseModel):
    keep_builds: int = Field(3, ge=1)


class Notifications(BaseModel):
    # The Prefect notification block failures are sent through: a name, or <block-type-slug>/<name>.
    block: str = "abs-etl-failures"


class WarehouseSettings(BaseModel):
    """Where the published warehouse lives (``warehouse.backends``).

    ``duckdb``: one DuckDB file under ``paths.data_dir`` (builds swapped in by rename).
    ``ducklake``: a DuckLake whose catalog is the cluster's PostgreSQL (``cluster.postgres``,
    database ``lake_database``) and whose Parquet files live under ``lake_data_path``, usually
    on the cluster's S3-compatible store; a run publishes one snapshot commit.
    """

    backend: Literal["duckdb", "ducklake"] = "duckdb"
    lake_data_path: str = "s3://abs-etl/lake/"      # s3://bucket/prefix/ or a shared folder
    # Catalog: empty = the cluster's PostgreSQL (many machines); or a DuckDB catalog file path for a
    # lake used by one machine only (trying DuckLake without a cluster, tests).
    lake_catalog: str = ""
    lake_alias: str = Field("abs_lake", pattern=r"^[a-z_][a-z0-9_]*$")   # name readers ATTACH it as


class RawStoreSettings(BaseModel):
    """Where fetched bytes are kept: ``local`` (``paths.raw_dir``: ``sha256/ab/<hash>``, SQLite
    index) or ``s3`` (keys ``sha256/ab/cd/<hash>`` under ``s3_url``, index in the cluster's
    PostgreSQL)."""

    backend: Literal["local", "s3"] = "local"
    s3_url: str = "s3://abs-etl/raw/"


class ClusterPostgres(BaseModel):
    host: str = "127.0.0.1"                     # the address the other services reach it at
    port: int = Field(15432, ge=1, le=65535)
    user: str = "abs_etl"
    prefect_database: str = "prefect"
    lake_database: str = "abs_lake"             # DuckLake catalog, raw-store index, writer lock
    allow_from: list[str] = ["127.0.0.1/32"]    # client networks allowed to log in (pg_hba)


class ClusterPrefect(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(14200, ge=1, le=65535)
    workers: int = Field(2, ge=0)               # process workers on the pool (per host that runs them)
    pool: str = "abs-etl-process"


class ClusterDask(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(18786, ge=1, le=65535)
    dashboard_port: int = Field(18787, ge=1, le=65535)  # scheduler's HTTP endpoints (health, metrics, dashboard)
    workers: int = Field(2, ge=0)               # `dask worker` processes (per host that runs them)
    threads_per_worker: int = Field(1, ge=1)    # pypdfium2 is not thread-safe: one per process
    memory_limit: str = "2GiB"


class ClusterS3(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(18333, ge=1, le=55535)    # SeaweedFS adds 10000 for gRPC
    master_port: int = Field(19333, ge=1, le=55535)
    volume_port: int = Field(18080, ge=1, le=55535)
    filer_port: int = Field(18888, ge=1, le=55535)
    bucket: str = "abs-etl"
    region: str = "us-east-1"
    volume_size_limit_mb: int = Field(1024, ge=16)


class ClusterSettings(BaseModel):
    """The scale-out cluster (``cluster/``, ``abs-etl cluster up|down|status``): addresses and
    sizes only. Credentials are secrets: ``cluster_postgres_password``, ``cluster_s3_access_key``
    and ``cluster_s3_secret_key`` (``settings.secrets``: ``ABS_ETL_SECRET_<NAME>`` or Prefect Secret blocks)."""

    state_dir: Path | None = None               # pids, logs, PostgreSQL and S3 data; default <data_dir>/cluster
    bind: str = "127.0.0.1"                     # address every service listens on
    # host name → services it runs (postgres, s3, prefect-server, prefect-worker, dask-scheduler,
    # dask-worker); empty: every service on the host that runs `abs-etl cluster up`.
    roles: dict[str, list[str]] = {}
    postgres: ClusterPostgres = ClusterPostgres()
    prefect: ClusterPrefect = ClusterPrefect()
    dask: ClusterDask = ClusterDask()
    s3: ClusterS3 = ClusterS3()


class _TomlSource(PydanticBaseSettingsSource):
    """Reads the TOML file named by ABS_ETL_CONFIG (or the project default)."""

    def get_field_value(self, field, field_name):  # pragma: no cover - unused by pydantic here
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = Path(os.environ.get("ABS_ETL_CONFIG", DEFAULT_CONFIG))
        if not path.exists():
            if "ABS_ETL_CONFIG" in os.environ:
                raise FileNotFoundError(f"ABS_ETL_CONFIG points to a missing file: {path}")
            return {}
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        if "schedules" in data:
            raise ValueError(f"{path}: [schedules] is no longer read; the deployments' crons and time zone "
                             "are in prefect.yaml (edit them there and run `abs-etl deploy`)")
        return data


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ABS_ETL_", env_nested_delimiter="__", extra="ignore")

    paths: Paths = Paths()
    sources: Sources = Sources()
    pipeline: Pipeline = Pipeline()
    limits: Limits = Limits()
    publish: Publish = Publish()
    notifications: Notifications = Notifications()
    warehouse: WarehouseSettings = WarehouseSettings()
    raw_store: RawStoreSettings = RawStoreSettings()
    cluster: ClusterSettings = ClusterSettings()

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings):
        # init kwargs > environment > TOML file
        return (init_settings, env_settings, _TomlSource(settings_cls))

    def model_post_init(self, __context: Any) -> None:
        self.paths = self.paths.resolved()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once on first use."""
    return Settings()

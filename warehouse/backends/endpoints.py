"""How to reach the cluster's PostgreSQL and S3-compatible store: addresses from the
``[cluster]`` settings, credentials from secrets read at the moment of use.

Secrets (``settings.secrets``: ``ABS_ETL_SECRET_<NAME>`` or a Prefect Secret block):
``cluster_postgres_password``, ``cluster_s3_access_key``, ``cluster_s3_secret_key``. Nothing
here logs or returns a credential inside a string meant for display (:func:`describe_dsn`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

from settings import Settings
from settings.secrets import secret

POSTGRES_PASSWORD = "cluster_postgres_password"
S3_ACCESS_KEY = "cluster_s3_access_key"
S3_SECRET_KEY = "cluster_s3_secret_key"


class MissingSecret(RuntimeError):
    """A credential the cluster needs is neither in the environment nor a Prefect Secret block."""


def required_secret(name: str) -> str:
    value = secret(name)
    if value is None:
        raise MissingSecret(
            f"secret {name!r} is not set: export ABS_ETL_SECRET_{name.upper()} or create the Prefect Secret "
            f"block {name.lower().replace('_', '-')!r} (a cluster started by `abs-etl cluster up` keeps its "
            "generated credentials in <state_dir>/secrets.env: `set -a; . <state_dir>/secrets.env`)")
    return value.get_secret_value()


@dataclass(frozen=True)
class PostgresEndpoint:
    host: str
    port: int
    user: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "PostgresEndpoint":
        pg = settings.cluster.postgres
        return cls(pg.host, pg.port, pg.user)

    def libpq(self, database: str) -> str:
        """A libpq key=value string with the password (for DuckDB's postgres extension, psycopg)."""
        password = required_secret(POSTGRES_PASSWORD).replace("\\", "\\\\").replace("'", "\\'")
        return f"host={self.host} port={self.port} user={self.user} password='{password}' dbname={database}"

    def sqlalchemy_url(self, database: str) -> str:
        """``postgresql+asyncpg://…`` for Prefect's server database."""
        from urllib.parse import quote

        return (f"postgresql+asyncpg://{quote(self.user)}:{quote(required_secret(POSTGRES_PASSWORD), safe='')}"
                f"@{self.host}:{self.port}/{database}")

    def describe(self, database: str) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"


@dataclass(frozen=True)
class S3Endpoint:
    host: str
    port: int
    region: str

    @classmethod
    def from_settings(cls, settings: Settings) -> "S3Endpoint":
        s3 = settings.cluster.s3
        return cls(s3.host, s3.port, s3.region)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def duckdb_secret_sql(self, name: str = "abs_etl_s3") -> str:
        """A temporary DuckDB secret for httpfs: path-style requests to this endpoint."""
        def q(text: str) -> str:
            return "'" + text.replace("'", "''") + "'"

        return (f"CREATE OR REPLACE TEMPORARY SECRET {name} (TYPE s3, KEY_ID {q(required_secret(S3_ACCESS_KEY))}, "
                f"SECRET {q(required_secret(S3_SECRET_KEY))}, ENDPOINT {q(f'{self.host}:{self.port}')}, "
                f"URL_STYLE 'path', USE_SSL false, REGION {q(self.region)})")

    def boto3_client(self):
        """This process's client of the store (made once: every document a parse worker reads
        arrives with its own copy of the raw store, and a new client costs tens of ms)."""
        return _boto3_client(self.url, self.region, required_secret(S3_ACCESS_KEY), required_secret(S3_SECRET_KEY))


@lru_cache(maxsize=8)
def _boto3_client(url: str, region: str, access_key: str, secret_key: str):
    import boto3
    from botocore.config import Config

    return boto3.client(
        "s3", endpoint_url=url, region_name=region, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 5, "mode": "standard"},
                      connect_timeout=10, read_timeout=60, max_pool_connections=64))  # concurrent downloads share it


def split_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix/`` → (``bucket``, ``some/prefix``)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"not an s3://bucket/prefix URL: {url!r}")
    return parts.netloc, parts.path.strip("/")

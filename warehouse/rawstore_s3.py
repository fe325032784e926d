"""The content-addressed raw store on S3-compatible storage, reachable from every machine.

The same hashes as the local store (``warehouse.rawstore``): the bytes of a document live at
``<s3_url>/sha256/ab/cd/<sha256>`` (keys, not folders: the local store's one-level layout is
about folder creation, which S3 has none of), written once per hash (an S3 PUT is atomic:
readers see the whole object or none). The fetch index — which (source, source id) gave which
bytes — lives in the cluster's PostgreSQL (``raw_store.fetched`` in the lake's catalog
database), so every worker and every host sees the same index.

Instances pickle without their connections or credentials (Dask ships them to its workers,
which read the secrets from their own environment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from settings import Settings
from warehouse.backends.endpoints import PostgresEndpoint, S3Endpoint, split_s3_url
from warehouse.rawstore import StoredDocument, sha256_hex

_SCHEMA = """
CREATE SCHEMA IF NOT EXISTS raw_store;
CREATE TABLE IF NOT EXISTS raw_store.fetched (
    source        TEXT NOT NULL,
    source_doc_id TEXT NOT NULL,
    sha256        TEXT NOT NULL,
    url           TEXT,
    title         TEXT,
    file_name     TEXT,
    published_at  TEXT,
    doc_type_hint TEXT,
    size_bytes    BIGINT NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    PRIMARY KEY (source, source_doc_id)
);
CREATE INDEX IF NOT EXISTS fetched_sha ON raw_store.fetched (sha256);
"""
_COLUMNS = ("source, source_doc_id, sha256, url, title, file_name, published_at, doc_type_hint, size_bytes, "
            "first_seen_at, last_seen_at")


@dataclass(frozen=True)
class S3Object:
    """Where one document's bytes are on S3; quacks like the ``Path`` of a local store
    (``str``, ``name``, ``exists``, ``read_bytes``)."""

    store: "S3RawStore"
    key: str

    def __str__(self) -> str:
        return f"s3://{self.store.bucket}/{self.key}"

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]

    def exists(self) -> bool:
        return self.store._exists(self.key)

    def read_bytes(self) -> bytes:
        return self.store._get(self.key)


class S3RawStore:
    """Bytes by hash in a bucket, index (source, source id) → hash in PostgreSQL."""

    def __init__(self, s3: S3Endpoint, url: str, postgres: PostgresEndpoint, database: str) -> None:
        self.s3, self.url, self.postgres, self.database = s3, url, postgres, database
        self.bucket, self.prefix = split_s3_url(url)
        self._client = None
        self._conn = None
        self._create_index()

    def _create_index(self) -> None:
        import psycopg

        with self._index() as conn:
            try:
                conn.execute(_SCHEMA)
            except psycopg.errors.UniqueViolation:
                pass  # another process created it at the same moment

    @classmethod
    def from_settings(cls, settings: Settings) -> "S3RawStore":
        return cls(S3Endpoint.from_settings(settings), settings.raw_store.s3_url,
                   PostgresEndpoint.from_settings(settings), settings.cluster.postgres.lake_database)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in ("_client", "_conn")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, _client=None, _conn=None)

    def __repr__(self) -> str:
        return f"S3RawStore({self.url!r} at {self.s3.url}, index {self.postgres.describe(self.database)})"

    # ── connections, made lazily per process ─────────────────────────────────────────────
    @property
    def client(self):
        if self._client is None:
            self._client = self.s3.boto3_client()
        return self._client

    def _index(self):
        import psycopg

        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.postgres.libpq(self.database), autocommit=True, connect_timeout=30)
        return _Borrowed(self._conn)

    # ── bytes ────────────────────────────────────────────────────────────────────────────
    def key_for(self, sha256: str) -> str:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
        return "/".join(p for p in (self.prefix, "sha256", sha256[:2], sha256[2:4], sha256) if p)

    def path_for(self, sha256: str) -> S3Object:
        return S3Object(self, self.key_for(sha256))

    def _exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=key)
            return True
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return False
            raise

    def _get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def read(self, sha256: str) -> bytes:
        data = self._get(self.key_for(sha256))
        if sha256_hex(data) != sha256:
            raise IOError(f"raw store object {self.path_for(sha256)} is corrupt (hash mismatch)")
        return data

    # ── index ────────────────────────────────────────────────────────────────────────────
    def has_source_doc(self, source: str, source_doc_id: str) -> bool:
        with self._index() as conn:
            row = conn.execute("SELECT sha256 FROM raw_store.fetched WHERE source = %s AND source_doc_id = %s",
                               [source, source_doc_id]).fetchone()
        return row is not None and self._exists(self.key_for(row[0]))

    def put(self, data: bytes, *, source: str, source_doc_id: str, url: str | None = None, title: str | None = None,
            file_name: str | None = None, published_at: str | None = None,
            doc_type_hint: str | None = None) -> StoredDocument:
        """Store bytes (once per hash) and index where they came from."""
        digest = sha256_hex(data)
        key = self.key_for(digest)
        if not self._exists(key):
            self.client.put_object(Bucket=self.bucket, Key=key, Body=data, Metadata={"sha256": digest})
        now = datetime.now(timezone.utc).isoformat()
        with self._index() as conn:
            conn.execute(
                f"""INSERT INTO raw_store.fetched ({_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s)
                    ON CONFLICT (source, source_doc_id) DO UPDATE SET
                      sha256 = excluded.sha256, url = excluded.url, title = excluded.title,
                      file_name = excluded.file_name, published_at = excluded.published_at,
                      doc_type_hint = excluded.doc_type_hint, size_bytes = excluded.size_bytes,
                      last_seen_at = excluded.last_seen_at""",
                [source, source_doc_id, digest, url, title, file_name, published_at, doc_type_hint, len(data), now, now])
        return self.get(source, source_doc_id)

    def sync(self) -> None:
        """Nothing to flush: an object is durable once S3 acknowledged it, an index row once
        PostgreSQL committed it (the local store's ``sync`` makes its files durable at once)."""

    def get(self, source: str, source_doc_id: str) -> StoredDocument:
        with self._index() as conn:
            row = conn.execute(f"SELECT {_COLUMNS} FROM raw_store.fetched WHERE source = %s AND source_doc_id = %s",
                               [source, source_doc_id]).fetchone()
        if row is None:
            raise KeyError(f"{source}:{source_doc_id} is not in the raw store")
        return StoredDocument.from_row(row, self.path_for(row[2]))

    def all(self) -> list[StoredDocument]:
        """Every indexed document, oldest publish time first (stable order)."""
        with self._index() as conn:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM raw_store.fetched "
                                "ORDER BY published_at NULLS FIRST, source, source_doc_id").fetchall()
        return [StoredDocument.from_row(r, self.path_for(r[2])) for r in rows]


class _Borrowed:
    """The store's connection for one statement group; a broken connection is dropped so the
    next call reconnects."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def __enter__(self):
        return self.conn

    def __exit__(self, exc_type, exc, tb) -> None:
        import psycopg

        if isinstance(exc, psycopg.OperationalError):
            self.conn.close()

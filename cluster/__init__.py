"""The scale-out cluster on one or more hosts: PostgreSQL (Prefect's database and the DuckLake
catalog), a Prefect server on it with process workers, a Dask scheduler with workers, and an
S3-compatible store (SeaweedFS). ``abs-etl cluster up|down|status|env`` drives it
(``cluster.control``); docs/scale-out.md draws the topology.

Every address and size comes from the ``[cluster]`` settings, every credential from secrets;
each host starts only the services ``cluster.roles`` gives it. Nothing here imports ``flows``.
"""

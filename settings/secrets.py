"""Credentials, looked up at the moment of use and never kept in configuration or code.

A secret named ``cluster_postgres_password`` is read from the environment variable
``ABS_ETL_SECRET_CLUSTER_POSTGRES_PASSWORD`` or, failing that, from the Prefect Secret block
``cluster-postgres-password`` on the server the process reports to (how workers on other hosts
get the cluster's credentials). Returned as ``SecretStr`` so it is never printed by accident.
"""

from __future__ import annotations

import os

from pydantic import SecretStr


def secret_env_name(name: str) -> str:
    return f"ABS_ETL_SECRET_{name.upper()}"


def secret_block_name(name: str) -> str:
    return name.lower().replace("_", "-")


def secret(name: str) -> SecretStr | None:
    """The secret from the environment, else the Prefect Secret block, else None."""
    value = os.environ.get(secret_env_name(name))
    if value is None:
        try:
            from prefect.blocks.system import Secret

            value = Secret.load(secret_block_name(name)).get()
        except Exception:  # no server, no block, no permission: the caller says what is missing
            return None
    return SecretStr(value)


__all__ = ["secret", "secret_env_name", "secret_block_name"]

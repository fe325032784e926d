"""core.institutions — one row per institution (banks, trusts, AMCs, agencies …)."""

from expectations.checks import not_null

TABLE = "core.institutions"
CHECKS = (
    not_null(TABLE, "full_name_zh"),
)

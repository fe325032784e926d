"""core.amcs — one row per local asset-management company that ever held a licence."""

from expectations.checks import not_null

TABLE = "core.amcs"
CHECKS = (
    not_null(TABLE, "short_name_zh"),
)

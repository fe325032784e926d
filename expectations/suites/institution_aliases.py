"""core.institution_aliases — one row per name under which an institution appears."""

from expectations.checks import references
from expectations.vocabulary import REGISTRY_REFERENCE

TABLE = "core.institution_aliases"
CHECKS = (
    references(TABLE, "institution_id", "core.institutions", why=f"every alias {REGISTRY_REFERENCE}"),
)

"""Families of Databricks SQL type names, shared by query building and value conversion."""

from __future__ import annotations

INTEGER_TYPES = frozenset({"BYTE", "SHORT", "INT", "LONG"})
FLOAT_TYPES = frozenset({"FLOAT", "DOUBLE"})
STRING_TYPES = frozenset({"STRING", "CHAR"})
# Types that can be neither compared with a scalar nor relied on to sort.
UNSORTABLE_TYPES = frozenset(
    {"ARRAY", "MAP", "STRUCT", "VARIANT", "GEOGRAPHY", "GEOMETRY", "USER_DEFINED_TYPE"}
)
FILTERABLE_TYPES = (
    INTEGER_TYPES
    | FLOAT_TYPES
    | STRING_TYPES
    | {
        "DECIMAL",
        "BOOLEAN",
        "DATE",
        "TIMESTAMP",
        "TIMESTAMP_NTZ",
    }
)
JSON_TYPES = frozenset({"ARRAY", "MAP", "STRUCT"})

"""Unity Catalog SDK objects as API models: enum names, timestamps, columns for the SQL builder."""

from __future__ import annotations

from datetime import UTC, datetime

from databricks.sdk.service.catalog import ColumnInfo, ColumnTypeName, TableInfo

from server.services.catalog_mapping import columns_of, epoch_ms_to_datetime, wire_name
from server.services.sql_builder import Column


def test_epoch_milliseconds_become_aware_utc_datetimes() -> None:
    assert epoch_ms_to_datetime(1_704_067_200_000) == datetime(2024, 1, 1, tzinfo=UTC)
    assert epoch_ms_to_datetime(None) is None


def test_wire_name_is_an_enums_value_a_strings_self_or_none() -> None:
    assert wire_name(ColumnTypeName.LONG) == "LONG"
    assert wire_name("MANAGED") == "MANAGED"
    assert wire_name(None) is None


def test_columns_of_fills_missing_type_and_position_and_skips_unnamed_columns() -> None:
    info = TableInfo(
        columns=[
            ColumnInfo(name="id", type_name=ColumnTypeName.LONG, type_text="bigint", position=0),
            ColumnInfo(name=None, type_name=ColumnTypeName.STRING),
            ColumnInfo(name="note"),
        ]
    )

    assert columns_of(info) == [
        Column("id", "LONG", "bigint", 0),
        Column("note", "STRING", "string", 2),
    ]

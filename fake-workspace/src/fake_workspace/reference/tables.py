"""Seeded tables with deterministic rows (no randomness): tests recompute expectations from here."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from fake_workspace.reference.specs import ColumnDef, Row, TableDef

ORDER_COUNT = 5000
ORDER_STATUSES = ("pending", "shipped", "delivered", "cancelled", "returned")
_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def _c(
    name: str, type_text: str, *, nullable: bool = True, comment: str | None = None
) -> ColumnDef:
    return ColumnDef(name=name, type_text=type_text, nullable=nullable, comment=comment)


def order_row(i: int) -> Row:
    """Row ``i`` (1-based) of ``main.sales.orders``; the formulas are the documentation."""
    return (
        i,  # order_id bigint
        (i * 7) % 20 + 1,  # customer_id int
        Decimal((i * 7919) % 100000) / 100 + Decimal("1.00"),  # amount decimal(10,2)
        i % 5 + 1,  # quantity smallint
        None if i % 10 == 0 else round(((i * 3) % 7) * 0.05, 2),  # discount double
        ORDER_STATUSES[(i * 3) % 5],  # status string
        i % 3 == 0,  # is_gift boolean
        date(2024, 1, 1) + timedelta(days=(i * 13) % 366),  # order_date date
        _EPOCH + timedelta(minutes=i * 97),  # created_at timestamp
        f"Note n°{i}" if i % 11 == 0 else None,  # note string
    )


ORDERS = TableDef(
    catalog="main",
    schema="sales",
    name="orders",
    comment="One row per order (5,000 deterministic rows).",
    columns=(
        _c("order_id", "bigint", nullable=False, comment="1..5000"),
        _c("customer_id", "int", nullable=False),
        _c("amount", "decimal(10,2)", nullable=False),
        _c("quantity", "smallint", nullable=False),
        _c("discount", "double"),
        _c("status", "string", nullable=False),
        _c("is_gift", "boolean", nullable=False),
        _c("order_date", "date", nullable=False),
        _c("created_at", "timestamp", nullable=False),
        _c("note", "string"),
    ),
    rows=tuple(order_row(i) for i in range(1, ORDER_COUNT + 1)),
)

_CUSTOMER_NAMES = (
    "Zoë Ångström",
    "José Müller",
    "李雷",
    "Renée O'Brien",
    "Antonín Dvořák",
    "Søren Kierkegaard",
    "Ωmega Ltd",
    "Françoise Hardy",
    "Łukasz Żółć",
    "Nguyễn Văn A",
    "Ana María Gómez",
    "Björk Guðmundsdóttir",
    "Ünal Çelik",
    "Αλέξανδρος Παπαδόπουλος",
    "Иван Петров",
    "محمد علي",
    'Sarah "Sally" Smith',
    "Jean-Luc Picard",
    "Chloé Dubois",
    "山田 太郎",
)
_COUNTRIES = ("FR", "DE", "CN", "IE", "CZ", "DK", "GR", "FR", "PL", "VN")


def customer_row(i: int) -> Row:
    """Row ``i`` (1-based) of ``main.sales.customers``."""
    return (
        i,  # customer_id int
        _CUSTOMER_NAMES[i - 1],  # name string
        None if i % 7 == 0 else f"customer{i:02d}@example.com",  # email string
        _COUNTRIES[(i - 1) % 10],  # country string
        i % 4 == 0,  # vip boolean
        date(2020, 1, 1) + timedelta(days=i * 45),  # signup_date date
        None if i % 5 == 0 else Decimal(i * 1250) + Decimal("0.50"),  # credit_limit decimal(12,2)
    )


CUSTOMERS = TableDef(
    catalog="main",
    schema="sales",
    name="customers",
    comment="Twenty customers with Unicode names.",
    columns=(
        _c("customer_id", "int", nullable=False),
        _c("name", "string", nullable=False),
        _c("email", "string"),
        _c("country", "string", nullable=False),
        _c("vip", "boolean", nullable=False),
        _c("signup_date", "date", nullable=False),
        _c("credit_limit", "decimal(12,2)"),
    ),
    rows=tuple(customer_row(i) for i in range(1, 21)),
)

PRODUCTS = TableDef(
    catalog="main",
    schema="sales",
    name="products",
    columns=(
        _c("product_id", "int", nullable=False),
        _c("name", "string", nullable=False),
        _c("category", "string", nullable=False),
        _c("price", "double", nullable=False),
        _c("stock", "tinyint"),
    ),
    rows=tuple(
        (
            i,
            f"Product {chr(64 + i)}",
            ("books", "games", "tools")[i % 3],
            round(i * 3.75 + 0.99, 2),
            None if i == 7 else (i * 11) % 120,
        )
        for i in range(1, 11)
    ),
)

RETURNS = TableDef(
    catalog="main",
    schema="sales",
    name="returns",
    columns=(
        _c("return_id", "int", nullable=False),
        _c("order_id", "bigint", nullable=False),
        _c("reason", "string"),
        _c("refunded", "boolean", nullable=False),
        _c("refund_amount", "decimal(10,2)"),
    ),
    rows=tuple(
        (
            i,
            i * 150,
            (None, "damaged", "late", "wrong size")[i % 4],
            i % 2 == 0,
            order_row(i * 150)[2] if i % 2 == 0 else None,
        )
        for i in range(1, 31)
    ),
)

WEATHER = TableDef(
    catalog="main",
    schema="sales",
    name="données-été",
    comment="A table whose name and columns need quoting.",
    columns=(
        _c("jour", "date", nullable=False),
        _c("ville", "string", nullable=False),
        _c("température", "double", nullable=False),
        _c("humidité", "int"),
    ),
    rows=tuple(
        (
            date(2024, 7, 1) + timedelta(days=i),
            ("Paris", "Besançon", "Sète", "Nîmes")[i % 4],
            round(24.5 + (i * 1.7) % 12, 1),
            None if i % 5 == 4 else 40 + (i * 3) % 50,
        )
        for i in range(12)
    ),
)


def _margins(year: int) -> TableDef:
    return TableDef(
        catalog="main",
        schema="sales",
        name=f"margins_{year}",
        comment="Hidden from alice: only bob (and admins) hold SELECT.",
        columns=(_c("region", "string", nullable=False), _c("margin", "double", nullable=False)),
        rows=tuple(
            (region, round(0.1 + k * 0.05 + (year - 2023) * 0.01, 2))
            for k, region in enumerate(("EMEA", "AMER", "APAC", "LATAM"))
        ),
    )


MARGINS_2023 = _margins(2023)
MARGINS_2024 = _margins(2024)


def _daily_revenue_rows() -> tuple[Row, ...]:
    totals: dict[date, list[Decimal | int]] = defaultdict(lambda: [Decimal("0.00"), 0])
    for row in ORDERS.rows:
        bucket = totals[row[7]]
        bucket[0] = Decimal(bucket[0]) + row[2]
        bucket[1] = int(bucket[1]) + 1
    return tuple((day, total[0], total[1]) for day, total in sorted(totals.items()))


DAILY_REVENUE = TableDef(
    catalog="main",
    schema="analytics",
    name="daily_revenue",
    comment="SUM(amount) and COUNT(*) of main.sales.orders per order_date.",
    columns=(
        _c("day", "date", nullable=False),
        _c("revenue", "decimal(12,2)", nullable=False),
        _c("orders", "bigint", nullable=False),
    ),
    rows=_daily_revenue_rows(),
)

HR_REVIEWS = TableDef(
    catalog="main",
    schema="hr",
    name="reviews",
    comment="Schema without grants: only admins see it.",
    columns=(_c("employee", "string", nullable=False), _c("rating", "int", nullable=False)),
    rows=(("Alice Martin", 4), ("Bob Dupont", 5)),
)

CLIENTS_EUR = TableDef(
    catalog="main",
    schema="ventes 2024",
    name="clients €",
    comment="Schema and table names with a space and a euro sign.",
    columns=(
        _c("id", "int", nullable=False),
        _c("nom", "string", nullable=False),
        _c("montant €", "double"),
    ),
    rows=(
        (1, "Élodie", 120.5),
        (2, "Gérard", None),
        (3, "Maëlle", 99.99),
        (4, "Noël", 0.0),
        (5, "Ophélie", 1234.25),
    ),
)

SALARIES = TableDef(
    catalog="restricted",
    schema="secret",
    name="salaries",
    comment="Only carol (admin) and the app service principal may read this.",
    columns=(
        _c("employee_id", "int", nullable=False),
        _c("name", "string", nullable=False),
        _c("salary", "decimal(10,2)", nullable=False),
        _c("bonus", "double"),
        _c("hired_on", "date", nullable=False),
        _c("active", "boolean", nullable=False),
    ),
    rows=tuple(
        (
            i,
            ("Alice Martin", "Bob Dupont", "Carol Admin", "Dan", "Eve", "Frank", "Grace", "Heidi")[
                i - 1
            ],
            Decimal(50000 + i * 4321) + Decimal("0.25"),
            None if i % 3 == 0 else round(i * 250.5, 1),
            date(2015 + i, i, 1 + i),
            i != 6,
        )
        for i in range(1, 9)
    ),
)


def trip_row(i: int) -> Row:
    pickup = datetime(2016, 2, 1, tzinfo=UTC) + timedelta(minutes=i * 53)
    distance = round(0.5 + (i * 1.3) % 9, 2)
    return (
        pickup,
        pickup + timedelta(minutes=5 + (i * 7) % 40),
        distance,
        round(2.5 + distance * 2.5, 2),
        10001 + (i * 17) % 90,
        10001 + (i * 29) % 90,
    )


TRIPS = TableDef(
    catalog="samples",
    schema="nyctaxi",
    name="trips",
    columns=(
        _c("tpep_pickup_datetime", "timestamp"),
        _c("tpep_dropoff_datetime", "timestamp"),
        _c("trip_distance", "double"),
        _c("fare_amount", "double"),
        _c("pickup_zip", "int"),
        _c("dropoff_zip", "int"),
    ),
    rows=tuple(trip_row(i) for i in range(40)),
)

REGION = TableDef(
    catalog="samples",
    schema="tpch",
    name="region",
    columns=(
        _c("r_regionkey", "bigint"),
        _c("r_name", "string"),
        _c("r_comment", "string"),
    ),
    rows=tuple(
        (k, name, f"region {name.lower()}")
        for k, name in enumerate(("AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"))
    ),
)

TABLES: dict[str, TableDef] = {
    t.full_name: t
    for t in (
        ORDERS,
        CUSTOMERS,
        PRODUCTS,
        RETURNS,
        WEATHER,
        MARGINS_2023,
        MARGINS_2024,
        DAILY_REVENUE,
        HR_REVIEWS,
        CLIENTS_EUR,
        SALARIES,
        TRIPS,
        REGION,
    )
}
"""Every seeded table by full name."""


def expected_orders() -> list[dict[str, Any]]:
    """All 5,000 orders as ``{column: python value}`` dicts ordered by ``order_id``."""
    return ORDERS.as_dicts()


def expected_rows(full_name: str) -> list[dict[str, Any]]:
    """The rows of any seeded table as dicts, in seed order."""
    return TABLES[full_name].as_dicts()

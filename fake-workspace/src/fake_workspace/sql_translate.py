"""Databricks SQL → SQLite with sqlglot: table resolution, ``IDENTIFIER(:p)``, result schema.

Tables (``catalog.schema.table`` or ``IDENTIFIER(:param)``) are resolved by a callback that
checks access and returns the internal SQLite table; ``:named`` markers stay SQLite named
parameters. Result column names and types come from sqlglot's type annotation over the
Unity Catalog column types, the declared types of the parameters, and literals typed as
Databricks types them (``12.50`` is ``DECIMAL(4,2)``, ``2147483648`` a ``BIGINT``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import sqlglot
from sqlglot import exp
from sqlglot.errors import OptimizeError, ParseError, TokenError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify

from fake_workspace.reference.specs import TableDef
from fake_workspace.sql_errors import FakeLimitation, SqlError, parse_error, unbound_parameter

DIALECT = "databricks"
_T = exp.DataType.Type
_BARE = r"[^\W\d]\w*|\d+[^\W\d]\w*|\d+"
_PART = re.compile(rf"`((?:[^`]|``)+)`|({_BARE})")
_WRITES = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter)


@dataclass(frozen=True)
class ColumnType:
    type_name: str
    type_text: str
    precision: int | None = None
    scale: int | None = None


@dataclass(frozen=True)
class ResultColumn:
    name: str
    type: ColumnType


@dataclass(frozen=True)
class ResolvedTable:
    internal_name: str
    table: TableDef


@dataclass(frozen=True)
class Translation:
    sql: str
    columns: tuple[tuple[str, ColumnType | None], ...]
    """Name and type of each result column; the type is ``None`` when sqlglot cannot tell
    (e.g. a bare ``:param``) and is then inferred from the values."""
    placeholders: frozenset[str]


TableResolver = Callable[[tuple[str, ...]], ResolvedTable]

_SIMPLE_TYPES: dict[exp.DType, tuple[str, str]] = {
    _T.TINYINT: ("BYTE", "tinyint"),
    _T.SMALLINT: ("SHORT", "smallint"),
    _T.INT: ("INT", "int"),
    _T.BIGINT: ("LONG", "bigint"),
    _T.FLOAT: ("FLOAT", "float"),
    _T.DOUBLE: ("DOUBLE", "double"),
    _T.BOOLEAN: ("BOOLEAN", "boolean"),
    _T.DATE: ("DATE", "date"),
    _T.TIMESTAMP: ("TIMESTAMP", "timestamp"),
    _T.TIMESTAMPTZ: ("TIMESTAMP", "timestamp"),
    _T.TIMESTAMPLTZ: ("TIMESTAMP", "timestamp"),
    _T.DATETIME: ("TIMESTAMP", "timestamp"),
    _T.TIMESTAMPNTZ: ("TIMESTAMP_NTZ", "timestamp_ntz"),
    _T.TEXT: ("STRING", "string"),
    _T.VARCHAR: ("STRING", "string"),
    _T.CHAR: ("STRING", "string"),
    _T.NULL: ("NULL", "void"),
}


def parse_qualified_name(text: str) -> tuple[str, ...]:
    """Parse an ``IDENTIFIER()`` argument: 1 to 3 dot-separated parts, backquoted when needed."""
    parts: list[str] = []
    pos, text = 0, text.strip()
    while True:
        found = _PART.match(text, pos)
        if found is None:
            raise parse_error(text[pos:] or text)
        quoted, bare = found.groups()
        parts.append(quoted.replace("``", "`") if quoted is not None else bare)
        pos = found.end()
        if pos == len(text):
            break
        if text[pos] != ".":
            raise parse_error(text[pos:])
        pos += 1
    if len(parts) > 3:
        raise parse_error(text)
    return tuple(parts)


def _parse(statement: str) -> exp.Query:
    try:
        parsed = [e for e in sqlglot.parse(statement, read=DIALECT) if e is not None]
    except ParseError as error:
        details = error.errors[0] if error.errors else {}
        raise parse_error(str(details.get("highlight") or statement.split()[0])) from None
    except TokenError:
        raise parse_error(statement.strip()[:20]) from None
    if len(parsed) != 1:
        raise parse_error(";" if parsed else "end of input")
    root = parsed[0]
    if isinstance(root, _WRITES):
        raise SqlError(
            "UNSUPPORTED_FEATURE",
            "The fake workspace only executes read-only queries (SELECT).",
            "0A000",
        )
    if not isinstance(root, exp.Query):
        raise parse_error(statement.split()[0] if statement.split() else statement)
    return root


def _table_parts(table: exp.Table, params: Mapping[str, str | None]) -> tuple[str, ...]:
    if isinstance(table.this, exp.Anonymous) and table.this.name.upper() == "IDENTIFIER":
        args = table.this.expressions
        arg = args[0] if len(args) == 1 else None
        if isinstance(arg, exp.Placeholder) and arg.name:
            if arg.name not in params:
                raise unbound_parameter(arg.name)
            value = params[arg.name]
            if value is None:
                raise SqlError("NULL_QUERY_STRING_EXECUTE_IMMEDIATE", "IDENTIFIER(NULL)", "22004")
            return parse_qualified_name(value)
        if isinstance(arg, exp.Literal) and arg.is_string:
            return parse_qualified_name(arg.this)
        raise parse_error("IDENTIFIER")
    if not isinstance(table.this, exp.Identifier):
        raise FakeLimitation(f"Table source {table.sql(DIALECT)!r} is not supported.")
    return tuple(p.name for p in table.parts)


def _replace_tables(
    root: exp.Expr, resolve: TableResolver, params: Mapping[str, str | None]
) -> dict[str, object]:
    ctes = {cte.alias_or_name.lower() for cte in root.find_all(exp.CTE)}
    schema: dict[str, object] = {}
    for table in list(root.find_all(exp.Table)):
        parts = _table_parts(table, params)
        if len(parts) == 1 and parts[0].lower() in ctes:
            continue
        resolved = resolve(parts)
        schema[resolved.internal_name] = {c.name: c.type_text for c in resolved.table.columns}
        alias = table.args.get("alias") or exp.TableAlias(this=exp.to_identifier(parts[-1]))
        replacement = exp.Table(
            this=exp.to_identifier(resolved.internal_name, quoted=True), alias=alias
        )
        table.replace(replacement)
    return schema


def _result_type(data_type: exp.DataType | None) -> ColumnType | None:
    if data_type is None:
        return None
    if data_type.this == _T.DECIMAL:
        params = [int(p.this.this) for p in data_type.expressions]
        precision, scale = (*params, 10, 0)[:2] if params else (10, 0)
        return ColumnType("DECIMAL", f"decimal({precision},{scale})", precision, scale)
    simple = _SIMPLE_TYPES.get(data_type.this)
    return ColumnType(*simple) if simple else None


_TIMESTAMPS = frozenset({_T.TIMESTAMP, _T.TIMESTAMPTZ, _T.TIMESTAMPLTZ, _T.DATETIME})
# How the fake stores timestamps (see reference.render.format_timestamp): ISO text in UTC, ms.
_SQLITE_TIMESTAMP = "%Y-%m-%dT%H:%M:%fZ"
_INT_RANGE = range(-(2**31), 2**31)
_LONG_RANGE = range(-(2**63), 2**63)
# Parameter type names the Databricks dialect of sqlglot does not know by that name.
_PARAM_TYPE_ALIASES = {"LONG": "BIGINT", "SHORT": "SMALLINT", "BYTE": "TINYINT", "VOID": "NULL"}


def _literal_type(literal: exp.Literal) -> exp.DataType | None:
    """The type Databricks gives a numeric literal, where sqlglot's differs."""
    text = literal.this
    if literal.is_string or not isinstance(text, str) or "e" in text.lower():
        return None  # strings, and 1e3 (a DOUBLE), are typed right already
    if "." in text:  # an exact literal: DECIMAL(digits, digits after the point)
        whole, fraction = text.split(".", 1)
        scale = len(fraction)
        precision = max(len(whole.lstrip("-+").lstrip("0")) + scale, scale, 1)
        return exp.DataType.build(f"DECIMAL({precision},{scale})")
    value = int(text)
    if value in _INT_RANGE:
        return None
    if value in _LONG_RANGE:
        return exp.DataType.build("BIGINT")
    return exp.DataType.build(f"DECIMAL({len(text.lstrip('-+'))},0)")


def _param_type(declared: str | None) -> exp.DataType | None:
    if not declared or not declared.strip():
        return exp.DataType.build("STRING", dialect=DIALECT)  # untyped parameters are strings
    base, _, rest = declared.strip().partition("(")
    name = _PARAM_TYPE_ALIASES.get(base.strip().upper(), base.strip())
    try:
        return exp.DataType.build(name + (f"({rest}" if rest else ""), dialect=DIALECT)
    except (ParseError, ValueError):
        return None


def _typing_view(query: exp.Expr, param_types: Mapping[str, str | None]) -> exp.Expr | None:
    """A copy of ``query`` whose parameters and numeric literals are wrapped in CASTs to their
    Databricks types, so that annotation types every expression over them as a workspace does
    (None when nothing needs wrapping). Only the result schema is read from it; SQLite runs the
    unwrapped statement."""
    view = query.copy()
    wrapped = False
    for node in list(view.find_all(exp.Placeholder, exp.Literal)):
        if isinstance(node, exp.Placeholder):
            target = _param_type(param_types.get(node.name)) if node.name in param_types else None
        else:
            target = _literal_type(node)
        if target is not None:
            node.replace(exp.Cast(this=node.copy(), to=target))
            wrapped = True
    return view if wrapped else None


def _sqlite_timestamps(node: exp.Expr) -> exp.Expr:
    """CAST(x AS TIMESTAMP) as the fake's stored timestamp text (SQLite would read '2024-...'
    as the number 2024); comparisons with seeded timestamps then work on equal footing."""
    if isinstance(node, exp.Cast) and node.to.this in _TIMESTAMPS:
        return exp.func("STRFTIME", exp.Literal.string(_SQLITE_TIMESTAMP), node.this)
    return node


def _display_name(select: exp.Expr) -> str:
    name = select.alias_or_name
    if not re.fullmatch(r"_col_\d+", name):
        return name
    inner = select.this if isinstance(select, exp.Alias) else select
    if isinstance(inner, exp.Count) and isinstance(inner.this, exp.Star):
        return "count(1)"
    bare = inner.transform(
        lambda node: exp.column(node.name) if isinstance(node, exp.Column) else node
    )
    return bare.sql(dialect=DIALECT, normalize_functions="lower")


def translate(
    statement: str,
    resolve: TableResolver,
    params: Mapping[str, str | None],
    param_types: Mapping[str, str | None] | None = None,
) -> Translation:
    """Translate one read-only statement; raises :class:`SqlError` like Databricks would.

    ``param_types`` are the declared types of the parameters (absent or empty: STRING)."""
    parsed = _parse(statement)
    schema = _replace_tables(parsed, resolve, params)
    try:
        qualified = qualify(parsed, schema=schema, dialect=DIALECT)
    except OptimizeError as error:
        found = re.search(r"Column '(.+?)' could not be resolved", str(error))
        name = found.group(1) if found else str(error)
        raise SqlError(
            "UNRESOLVED_COLUMN.WITH_SUGGESTION",
            f"A column, variable, or function parameter with name `{name}` cannot be resolved.",
            "42703",
        ) from None
    view = _typing_view(qualified, param_types or {})
    root = annotate_types(qualified, schema=schema, dialect=DIALECT)
    typed = root if view is None else annotate_types(view, schema=schema, dialect=DIALECT)
    if not isinstance(root, exp.Query) or not isinstance(typed, exp.Query):  # pragma: no cover
        raise FakeLimitation(f"Unexpected statement shape: {type(root).__name__}")
    columns = tuple(
        (_display_name(s), _result_type(t.type))
        for s, t in zip(root.selects, typed.selects, strict=True)
    )
    placeholders = frozenset(p.name for p in root.find_all(exp.Placeholder))
    if "" in placeholders:
        raise SqlError(
            "UNSUPPORTED_FEATURE",
            "Positional parameter markers (?) are not supported; use named markers (:name).",
            "0A000",
        )
    for name in placeholders:
        if name not in params:
            raise unbound_parameter(name)
    return Translation(
        root.transform(_sqlite_timestamps).sql(dialect="sqlite"), columns, placeholders
    )

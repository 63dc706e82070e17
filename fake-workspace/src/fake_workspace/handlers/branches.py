"""Lakebase Autoscaling resources by name (``/api/2.0/postgres/{name}``): branches, their
endpoints and databases, and long-running operations; creating and deleting branches."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse, Response

from fake_workspace.branches import rfc3339
from fake_workspace.errors import invalid_parameter
from fake_workspace.handlers.context import Ctx
from fake_workspace.handlers.lakebase import endpoint_json
from fake_workspace.paging import PageRequest, paginate

# A listing's page when the caller sets no page_size (the real default is not documented).
_SERVER_PAGE_SIZE = 100
_ID = r"[^/]+"
_BRANCH = rf"projects/{_ID}/branches/{_ID}"


def _page_request(ctx: Ctx) -> PageRequest:
    raw = ctx.query.get("page_size")
    size: int | None = None
    if raw is not None:
        try:
            size = int(raw)
        except ValueError:
            raise invalid_parameter(f"Invalid page_size: '{raw}'.") from None
        if size < 0:
            raise invalid_parameter("page_size cannot be negative.")
    return PageRequest(size, ctx.query.get("page_token") or None)


def _listing(ctx: Ctx, field: str, listing: str, items: list[dict[str, Any]]) -> Response:
    page = paginate(
        items, lambda _: True, _page_request(ctx), listing=listing, page_size=_SERVER_PAGE_SIZE
    )
    body: dict[str, Any] = {}
    if page.items:  # empty lists are left out (proto3 JSON)
        body[field] = page.items
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return JSONResponse(body)


def _endpoint(ctx: Ctx, name: str) -> dict[str, Any]:
    endpoint = ctx.state.lakebase.endpoint(name)
    body = endpoint_json(endpoint)
    created = ctx.state.branches.branch_created(endpoint.branch_name)
    if created is not None:  # a new branch's endpoint was made with it
        body["create_time"] = body["update_time"] = rfc3339(created)
    return body


def _list_branches(ctx: Ctx, parent: str) -> Response:
    branches = ctx.state.branches
    items = [branches.answer_branch(b) for b in branches.branches_of(parent)]
    return _listing(ctx, "branches", f"branches:{parent}", items)


def _list_endpoints(ctx: Ctx, branch: str) -> Response:
    ctx.state.branches.branch(branch)
    items = [_endpoint(ctx, e.name) for e in ctx.state.lakebase.endpoints_of(branch)]
    return _listing(ctx, "endpoints", f"endpoints:{branch}", items)


def _list_databases(ctx: Ctx, branch: str) -> Response:
    branches = ctx.state.branches
    items = [branches.answer_database(d) for d in branches.databases_of(branch)]
    return _listing(ctx, "databases", f"databases:{branch}", items)


def _readers() -> list[tuple[re.Pattern[str], Callable[[Ctx, str], Response]]]:
    branches: Callable[[Ctx], Any] = lambda ctx: ctx.state.branches  # noqa: E731
    return [
        (
            re.compile(r".+/operations/[^/]+"),
            lambda ctx, name: JSONResponse(branches(ctx).poll(name)),
        ),
        (re.compile(rf"projects/{_ID}/branches"), lambda ctx, n: _list_branches(ctx, n[:-9])),
        (
            re.compile(_BRANCH),
            lambda ctx, name: JSONResponse(branches(ctx).answer_branch(branches(ctx).branch(name))),
        ),
        (re.compile(rf"{_BRANCH}/endpoints"), lambda ctx, n: _list_endpoints(ctx, n[:-10])),
        (
            re.compile(rf"{_BRANCH}/endpoints/{_ID}"),
            lambda ctx, name: JSONResponse(_endpoint(ctx, name)),
        ),
        (re.compile(rf"{_BRANCH}/databases"), lambda ctx, n: _list_databases(ctx, n[:-10])),
        (
            re.compile(rf"{_BRANCH}/databases/{_ID}"),
            lambda ctx, name: JSONResponse(
                branches(ctx).answer_database(branches(ctx).database(name))
            ),
        ),
    ]


_READERS = _readers()


def get_postgres_resource(ctx: Ctx) -> Response:
    """``GET /api/2.0/postgres/{name}``. Projects, roles and the rest are not modelled: asking
    for them fails the test that did (``check_errors``)."""
    name = ctx.params["name"]
    for pattern, read in _READERS:
        if pattern.fullmatch(name):
            if "/endpoints/" not in name and "/operations/" not in name:
                ctx.state.lakebase.check_access(ctx.principal, f"'{name}'")
            return read(ctx, name)
    raise NotImplementedError(f"the fake serves no Lakebase resource like {name!r}")


def create_branch(ctx: Ctx) -> Response:
    """``POST /api/2.0/postgres/projects/{project}/branches?branch_id=…`` → an Operation."""
    body = ctx.json_object()
    spec = body.get("spec") or {}
    if not isinstance(spec, dict):
        raise invalid_parameter("Invalid branch: spec must be an object.")
    operation = ctx.state.branches.create(
        ctx.principal,
        f"projects/{ctx.params['project']}",
        ctx.query.get("branch_id"),
        spec,
        replace_existing=ctx.flag("replace_existing"),
    )
    return JSONResponse(operation.answer())


def delete_postgres_resource(ctx: Ctx) -> Response:
    """``DELETE /api/2.0/postgres/{name}``: branches (``allow_missing=true`` honoured)."""
    name = ctx.params["name"]
    if not re.fullmatch(_BRANCH, name):
        raise NotImplementedError(f"the fake deletes Lakebase branches only, not {name!r}")
    operation = ctx.state.branches.delete(
        ctx.principal, name, allow_missing=ctx.flag("allow_missing")
    )
    return JSONResponse(operation.answer())

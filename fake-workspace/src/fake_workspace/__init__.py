"""A faithful fake Databricks workspace for integration tests (see ``server.FakeWorkspace``)."""

from fake_workspace.faults import Failure, Fault, FaultKind, Faults
from fake_workspace.identity import FakeUser, Principal
from fake_workspace.lakebase import MintedCredential
from fake_workspace.request_log import RecordedRequest
from fake_workspace.routes import Route
from fake_workspace.server import FakeWorkspace, FakeWorkspaceError
from fake_workspace.statements import StatementState

__all__ = [
    "Failure",
    "FakeUser",
    "FakeWorkspace",
    "FakeWorkspaceError",
    "Fault",
    "FaultKind",
    "Faults",
    "MintedCredential",
    "Principal",
    "RecordedRequest",
    "Route",
    "StatementState",
]

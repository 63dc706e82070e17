"""A faithful fake Databricks workspace for integration tests (see ``server.FakeWorkspace``)."""

from tests.fakes.database import MintedCredential
from tests.fakes.faults import Failure, Fault, FaultKind, Faults
from tests.fakes.identity import FakeUser, Principal
from tests.fakes.recorder import RecordedRequest
from tests.fakes.routes import Route
from tests.fakes.server import FakeWorkspace, FakeWorkspaceError
from tests.fakes.statements import StatementState

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

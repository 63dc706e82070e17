"""Everything the fake knows, in one object shared by the HTTP app and the test handle."""

from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass

from fake_workspace.branches import Branches
from fake_workspace.faults import Faults
from fake_workspace.identity import IdentityStore
from fake_workspace.lakebase import Lakebase
from fake_workspace.request_log import RequestLog
from fake_workspace.serving import ServingState
from fake_workspace.sql_engine import SqlEngine, TableStore
from fake_workspace.statements import StatementStore
from fake_workspace.unity_catalog import UnityCatalog


@dataclass(frozen=True)
class CapturedError:
    """An exception raised inside the fake while serving ``where``."""

    where: str
    error: BaseException

    def describe(self) -> str:
        lines = traceback.format_exception(self.error)
        return f"{self.where}:\n{''.join(lines)}"


class FakeState:
    """Reference data is loaded once; :meth:`reset` restores every mutable part."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.identity = IdentityStore()
        self.unity_catalog = UnityCatalog(self.lock)
        self.table_store = TableStore(self.unity_catalog.tables)
        self.sql_engine = SqlEngine(self.table_store, self.unity_catalog)
        self.statements = StatementStore(self.lock)
        self.serving = ServingState(self.lock)
        self.lakebase = Lakebase(self.lock)
        self.branches = Branches(self.lock, self.lakebase)
        self.faults = Faults()
        self.requests = RequestLog()
        self.errors: list[CapturedError] = []
        self.allow_unmatched = False
        self.generation = 0

    def reset(self) -> None:
        with self.lock:
            self.generation += 1
            self.identity.reset()
            self.unity_catalog.reset()
            self.statements.reset()
            self.serving.reset()
            self.lakebase.reset()
            self.branches.reset()
            self.faults.clear()
            self.requests.clear()
            self.errors = []
            self.allow_unmatched = False

    def capture(self, where: str, error: BaseException) -> None:
        with self.lock:
            self.errors.append(CapturedError(where, error))

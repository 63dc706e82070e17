"""What a Lakebase app mints its database credentials for: an Autoscaling endpoint or a
Provisioned instance - the fake workspace's seeded ones, or the one a live run names."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from fake_workspace import Route
from fake_workspace.reference import (
    LAKEBASE,
    LAKEBASE_ENDPOINT,
    OTHER_LAKEBASE,
    OTHER_LAKEBASE_ENDPOINT,
)
from suite_environment import FLAVOUR_VARIABLES
from tests.harness.backends import LakebaseFlavour


@dataclass(frozen=True)
class LakebaseTarget:
    """What the app mints its database credentials for: an Autoscaling endpoint path or a
    Provisioned instance name."""

    flavour: LakebaseFlavour
    name: str

    @property
    def variable(self) -> str:
        """The environment variable that names it: LAKEBASE_ENDPOINT or LAKEBASE_INSTANCE_NAME."""
        return FLAVOUR_VARIABLES[self.flavour]

    @property
    def credential_route(self) -> Route:
        """The fake workspace's route that mints credentials for this flavour."""
        if self.flavour == "autoscaling":
            return Route.POSTGRES_CREDENTIAL
        return Route.DATABASE_CREDENTIAL

    def setting(self) -> dict[str, str]:
        return {self.variable.lower(): self.name}


# The fake workspace's seeded targets: the app's own, and another it must never get into with.
APP_TARGETS: dict[LakebaseFlavour, LakebaseTarget] = {
    "autoscaling": LakebaseTarget("autoscaling", LAKEBASE_ENDPOINT.name),
    "provisioned": LakebaseTarget("provisioned", LAKEBASE.name),
}
OTHER_TARGETS: dict[LakebaseFlavour, LakebaseTarget] = {
    "autoscaling": LakebaseTarget("autoscaling", OTHER_LAKEBASE_ENDPOINT.name),
    "provisioned": LakebaseTarget("provisioned", OTHER_LAKEBASE.name),
}


def live_lakebase_target(
    flavour: LakebaseFlavour, env: Mapping[str, str] = os.environ
) -> LakebaseTarget:
    """The target a live run of `flavour` names: LAKEBASE_ENDPOINT or LAKEBASE_INSTANCE_NAME
    (the run has checked it is set)."""
    return LakebaseTarget(flavour, env[FLAVOUR_VARIABLES[flavour]].strip())

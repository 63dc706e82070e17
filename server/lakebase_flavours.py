"""The two kinds of Lakebase the app reaches, named once: an Autoscaling endpoint or a Provisioned
instance. Standard library only, so `noxfile.py` and the test harness import it without the app's
dependencies."""

from __future__ import annotations

from typing import Literal, get_args

LakebaseFlavour = Literal["autoscaling", "provisioned"]
LAKEBASE_FLAVOURS: tuple[LakebaseFlavour, ...] = get_args(LakebaseFlavour)

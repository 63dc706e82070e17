"""The Lakebase flavours: which API the app mints its database credentials from.

Standard library only: noxfile.py imports it (before any environment exists) to name its cells.
"""

from __future__ import annotations

from typing import Literal, get_args

LakebaseFlavour = Literal["autoscaling", "provisioned"]
LAKEBASE_FLAVOURS: tuple[LakebaseFlavour, ...] = get_args(LakebaseFlavour)

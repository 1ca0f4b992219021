"""How the SecuTix import file is written (secutix-format §2, §3.2, §13 Q2/Q5)."""
from __future__ import annotations

from typing import Literal

from .base import StrictModel


class OutputSettings(StrictModel):
    csv_encoding: Literal["utf-8-sig", "cp1252"] = "utf-8-sig"
    config_rows: bool = False     # secutix-format §3.2: CODE=value on every row unless turned on
    template: str | None = None   # the customer's SecuTix template (xlsx); our built-in layout when absent

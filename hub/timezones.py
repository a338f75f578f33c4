"""The hub's two time zones: instants are stored in UTC and shown in Asia/Shanghai.

Plain constants, no framework: the pure core (the calendar, the formulas) reads them
here; ``hub.clock`` gives "now".
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

UTC = dt.timezone.utc
SHANGHAI = ZoneInfo("Asia/Shanghai")

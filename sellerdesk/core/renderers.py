"""How the API writes JSON: one time format for every answer.

Every aware datetime an answer holds is written in the current time zone (settings'
TIME_ZONE, Asia/Shanghai by default) with its offset: `2026-03-01T10:00:00+08:00`.
Handlers need not remember `timezone.localtime` (the stock ledger answered in UTC while
orders answered in +08:00); a value already local is written the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder


class LocalTimeEncoder(NinjaJSONEncoder):
    """ninja's encoder, with aware datetimes moved to the current time zone first."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime) and timezone.is_aware(o):
            o = timezone.localtime(o)
        return super().default(o)


class LocalTimeRenderer(JSONRenderer):
    """The API's renderer: JSON with every aware datetime in local time (see above)."""

    encoder_class = LocalTimeEncoder

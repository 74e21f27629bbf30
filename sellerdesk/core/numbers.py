"""Document numbers people can read: a kind prefix, the local date, then random digits
against collisions across processes ("PO26112812345678"). Uniqueness is the database's
(a unique column); a caller that hits a clash draws again."""

from __future__ import annotations

import secrets
from datetime import datetime

from django.utils import timezone


def dated_number(prefix: str, at: datetime, *, digits: int = 8) -> str:
    return prefix + timezone.localtime(at).strftime("%y%m%d") + f"{secrets.randbelow(10**digits):0{digits}d}"

"""Idempotency-Key for POSTs that create something (API.md, Conventions).

The first successful answer is stored with the key in the same transaction as the
work itself, so a retry — even one racing the original — gets that answer back and
creates nothing. An error answer is not stored: the retry simply tries again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Status

from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import IdempotencyRecord

Answer = tuple[int, Any]


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() if request.method else b"")
    digest.update(request.path.encode())
    digest.update(b"\0")
    digest.update(request.body)
    return digest.hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Answer:
    if record.fingerprint != fingerprint:
        raise Conflict(
            "idempotency_key_reused",
            _("This Idempotency-Key was used for a different request."),
            details={"idempotency_key": record.key},
        )
    return record.status_code, record.response_body


def idempotent(request: HttpRequest, produce: Callable[[], Answer]) -> Status[Any]:
    """Run `produce` (which answers (status, body)) once per Idempotency-Key."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return Status(*produce())
    if len(key) > 255:
        raise ValidationFailed({"Idempotency-Key": _("at most 255 characters")})
    user = request.auth  # type: ignore[attr-defined]
    fingerprint = _fingerprint(request)
    record = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if record is not None:
        return Status(*_replay(record, fingerprint))
    try:
        with transaction.atomic():
            status, body = produce()
            stored = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
            IdempotencyRecord.objects.create(
                user=user, key=key, fingerprint=fingerprint, status_code=status, response_body=stored
            )
    except IntegrityError:
        record = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if record is None:
            raise
        return Status(*_replay(record, fingerprint))
    return Status(status, stored)

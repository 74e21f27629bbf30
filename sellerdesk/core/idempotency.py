"""Idempotency-Key for POSTs that create something (API.md, Conventions).

The first successful answer is stored with the key in the same transaction as the
work itself, so a retry — even one racing the original — gets that answer back and
creates nothing. An error answer is not stored: the retry simply tries again.

Work that calls outside the process (booking a parcel with a carrier) must not run inside
that transaction: it runs with `in_transaction=False`, commits its own steps, and is
itself idempotent for the key (`scoped_key` names the key to pass on); its answer is
stored after it.
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


def scoped_key(request: HttpRequest) -> str | None:
    """The request's Idempotency-Key as a key for the work it asks for (at most 100
    characters, one user's key never meeting another's), or None without one."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return None
    user = request.auth  # type: ignore[attr-defined]
    return f"api-{user.pk}-{hashlib.sha256(key.encode()).hexdigest()[:40]}"


def idempotent(
    request: HttpRequest,
    produce: Callable[[], Answer],
    *,
    in_transaction: bool = True,
    fingerprint: str | None = None,
) -> Status[Any]:
    """Run `produce` (which answers (status, body)) once per Idempotency-Key: in one
    transaction with the stored answer, or with `in_transaction=False` on its own (it
    must then be idempotent for `scoped_key` itself). `fingerprint` tells two requests
    apart where the raw body cannot (a multipart upload read through upload handlers
    keeps no body): by default the method, path and body."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return Status(*produce())
    if len(key) > 255:
        raise ValidationFailed({"Idempotency-Key": _("at most 255 characters")})
    user = request.auth  # type: ignore[attr-defined]
    fingerprint = fingerprint or _fingerprint(request)
    record = IdempotencyRecord.objects.filter(user=user, key=key).first()
    if record is not None:
        return Status(*_replay(record, fingerprint))

    def store(status: int, body: Any) -> Any:
        stored = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
        IdempotencyRecord.objects.create(
            user=user, key=key, fingerprint=fingerprint, status_code=status, response_body=stored
        )
        return stored

    try:
        if in_transaction:
            with transaction.atomic():
                status, body = produce()
                stored = store(status, body)
        else:
            status, body = produce()
            with transaction.atomic():
                stored = store(status, body)
    except IntegrityError:
        record = IdempotencyRecord.objects.filter(user=user, key=key).first()
        if record is None:
            raise
        return Status(*_replay(record, fingerprint))
    return Status(status, stored)

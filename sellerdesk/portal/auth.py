"""How a buyer proves who they are: the order number, the phone on that order and a
one-time code sent to that phone; then a session (the pages) or a buyer token (the API).

Promises:
- a code is 6 digits, stored only as a keyed hash, good for `CODE_MINUTES` minutes and
  `MAX_WRONG_CODES` wrong tries; at most one code a minute and `CODES_PER_HOUR` an hour
  per (order number, phone) pair; a refused request says when to try again;
- a pair that matches no order is answered exactly like one that does (same counting,
  same refusals, same wording), so the portal tells nobody which orders and phones exist;
- a signed-in buyer is a customer (customers.Customer), never a staff login: the session
  key `SESSION_KEY` is the portal's own, and buyer tokens live in their own table.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from sellerdesk.core.errors import DomainError
from sellerdesk.customers.models import Customer
from sellerdesk.notifications.codes import record_one_time_code
from sellerdesk.orders.models import Order
from sellerdesk.portal.models import BuyerToken, SignInCode

SESSION_KEY = "portal_buyer"


def _setting(name: str, default: int) -> int:
    return int(settings.SELLERDESK.get(name, default))


def code_minutes() -> int:
    return _setting("PORTAL_CODE_MINUTES", 10)


def max_wrong_codes() -> int:
    return _setting("PORTAL_MAX_WRONG_CODES", 5)


def codes_per_hour() -> int:
    return _setting("PORTAL_CODES_PER_HOUR", 5)


def token_days() -> int:
    return _setting("PORTAL_TOKEN_DAYS", 30)


def session_hours() -> int:
    return _setting("PORTAL_SESSION_HOURS", 12)


def show_codes() -> bool:
    """Whether the page shows the code it recorded: only while nothing sends SMS (dev, demo)."""
    return bool(settings.SELLERDESK.get("PORTAL_SHOW_CODES", False))


ONE_MINUTE = timedelta(minutes=1)
ONE_HOUR = timedelta(hours=1)


class TooManyCodes(DomainError):
    """A code was asked for too soon; `retry_at` is when one may be asked again."""

    code = "too_many_codes"
    status = 429

    def __init__(self, *, retry_at: datetime, now: datetime) -> None:
        local = timezone.localtime(retry_at)
        super().__init__(
            _("Too many codes asked for this order and phone. Try again at %(time)s.")
            % {"time": local.strftime("%H:%M")},
            details={"retry_at": retry_at.isoformat(), "retry_after_seconds": _seconds(retry_at - now)},
        )
        self.retry_at = retry_at


class SignInRefused(DomainError):
    """The order number, the phone or the code is wrong, or the code has expired: one
    answer for all of them. After too many wrong codes, `retry_at` says when a new code
    may be asked."""

    code = "sign_in_refused"
    status = 401

    def __init__(self, *, retry_at: datetime | None = None, now: datetime | None = None) -> None:
        if retry_at is None or now is None:
            super().__init__(_("The order number, phone or code is wrong, or the code has expired."))
        else:
            local = timezone.localtime(max(retry_at, now))
            super().__init__(
                _("Too many wrong codes. Ask for a new code at %(time)s.") % {"time": local.strftime("%H:%M")},
                details={"retry_at": max(retry_at, now).isoformat(), "retry_after_seconds": _seconds(retry_at - now)},
            )
        self.retry_at = retry_at


def _seconds(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() + 0.999))


def normalise_phone(phone: str) -> str:
    """The digits of a phone number, without China's +86 / 0086 prefix."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    elif len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    return digits


def _keyed(text: str) -> str:
    # Keyed with the site's secret: a 6-digit code's plain hash would be found by trying
    # all million codes; without the key it cannot be tried offline.
    return hmac.new(settings.SECRET_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


def _subject(order_number: str, phone: str) -> str:
    return _keyed(f"subject|{order_number.strip()}|{normalise_phone(phone)}")


def _code_hash(subject: str, code: str) -> str:
    return _keyed(f"code|{subject}|{code.strip()}")


def _matching_order(order_number: str, phone: str) -> Order | None:
    typed = normalise_phone(phone)
    number = order_number.strip()
    if not typed or not number:
        return None
    order = Order.objects.filter(number=number).only("pk", "number", "buyer_phone", "customer_id").first()
    if order is None or normalise_phone(order.buyer_phone) != typed:
        return None
    return order


def next_code_at(subject: str, *, now: datetime) -> datetime | None:
    """When the next code may be asked for this subject (None: now)."""
    recent = list(
        SignInCode.objects.filter(subject=subject, created_at__gt=now - ONE_HOUR)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[: codes_per_hour()]
    )
    waits = []
    if recent and recent[0] > now - ONE_MINUTE:
        waits.append(recent[0] + ONE_MINUTE)
    if len(recent) >= codes_per_hour():
        waits.append(recent[-1] + ONE_HOUR)
    return max(waits) if waits else None


@dataclass(frozen=True)
class CodeRequest:
    """What a code request answers: when the code expires and, only for the page in
    development (show_codes), the code itself. `code` is None when the pair matched no
    order (nothing was sent), which the answer never tells the buyer."""

    expires_at: datetime
    code: str | None


def request_code(*, order_number: str, phone: str, at: datetime | None = None) -> CodeRequest:
    """Record a new sign-in code for the pair and its SMS (notifications), or raise
    TooManyCodes. Counted per pair whether or not the pair matches an order."""
    now = at or timezone.now()
    subject = _subject(order_number, phone)
    with transaction.atomic():
        retry_at = next_code_at(subject, now=now)
        if retry_at is not None:
            raise TooManyCodes(retry_at=retry_at, now=now)
        order = _matching_order(order_number, phone)
        expires_at = now + timedelta(minutes=code_minutes())
        code = f"{secrets.randbelow(1_000_000):06d}" if order is not None else None
        try:
            with transaction.atomic():
                SignInCode.objects.create(
                    subject=subject,
                    order=order,
                    code_hash=_code_hash(subject, code) if code else "",
                    created_at=now,
                    expires_at=expires_at,
                    minute=int(now.timestamp()) // 60,
                )
        except IntegrityError:
            # Another request for the pair won the race within this minute.
            raise TooManyCodes(retry_at=now + ONE_MINUTE, now=now) from None
        if order is not None and code is not None:
            record_one_time_code(order=order, code=code, valid_minutes=code_minutes(), at=now)
    return CodeRequest(expires_at=expires_at, code=code)


@dataclass(frozen=True)
class SignedIn:
    customer: Customer
    order: Order


def check_code(*, order_number: str, phone: str, code: str, at: datetime | None = None) -> SignedIn:
    """The customer of the order if `code` is the pair's latest live code (it is then used
    up), else SignInRefused. A wrong code counts against the code even though the
    refusal is raised (the count is committed first)."""
    now = at or timezone.now()
    subject = _subject(order_number, phone)
    refusal: SignInRefused
    with transaction.atomic():
        latest = SignInCode.objects.select_for_update().filter(subject=subject).order_by("-created_at", "-pk").first()
        if latest is None or latest.used_at is not None or latest.expires_at <= now:
            raise SignInRefused()
        if latest.wrong_attempts >= max_wrong_codes():
            raise SignInRefused(retry_at=next_code_at(subject, now=now) or now, now=now)
        good = bool(latest.code_hash) and hmac.compare_digest(latest.code_hash, _code_hash(subject, code))
        order = _matching_order(order_number, phone) if good else None
        if order is not None and order.pk == latest.order_id:
            latest.used_at = now
            latest.save(update_fields=["used_at"])
            customer = Customer.objects.get(pk=order.customer_id)
            return SignedIn(customer=customer, order=order)
        latest.wrong_attempts += 1
        latest.save(update_fields=["wrong_attempts"])
        if latest.wrong_attempts >= max_wrong_codes():
            refusal = SignInRefused(retry_at=next_code_at(subject, now=now) or now, now=now)
        else:
            refusal = SignInRefused()
    # Outside the transaction: the wrong try is counted even though we refuse.
    raise refusal


# --- the pages' session ------------------------------------------------------------------


def sign_in_session(request: HttpRequest, signed_in: SignedIn, *, at: datetime | None = None) -> None:
    """Remember the buyer in the session under the portal's own key (a new session id:
    nobody who knew the old one rides along)."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = {
        "customer_id": signed_in.customer.pk,
        "order": signed_in.order.number,
        "at": (at or timezone.now()).isoformat(),
    }


def sign_out_session(request: HttpRequest) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def session_customer(request: HttpRequest, *, now: datetime | None = None) -> Customer | None:
    """The signed-in buyer's customer, or None (never signed in, or signed in more than
    `session_hours()` ago)."""
    stored: Any = request.session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return None
    signed_at = parse_datetime(str(stored.get("at", "")))
    if signed_at is None or signed_at + timedelta(hours=session_hours()) <= (now or timezone.now()):
        return None
    customer_id = stored.get("customer_id")
    if not isinstance(customer_id, int):
        return None
    return Customer.objects.filter(pk=customer_id).first()


# --- the API's buyer tokens --------------------------------------------------------------


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime


def issue_buyer_token(*, signed_in: SignedIn, at: datetime | None = None) -> IssuedToken:
    """A new buyer token for the signed-in customer; only its hash is kept."""
    now = at or timezone.now()
    raw = "sdb_" + secrets.token_urlsafe(32)
    expires_at = now + timedelta(days=token_days())
    BuyerToken.objects.create(
        customer=signed_in.customer,
        order=signed_in.order,
        key_hash=hash_buyer_token(raw),
        prefix=raw[:8],
        created_at=now,
        expires_at=expires_at,
    )
    return IssuedToken(token=raw, expires_at=expires_at)


def hash_buyer_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def customer_of_token(raw: str, *, now: datetime | None = None) -> Customer | None:
    """The customer a live buyer token speaks for (its last use noted), or None."""
    now = now or timezone.now()
    found = (
        BuyerToken.objects.select_related("customer")
        .filter(key_hash=hash_buyer_token(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if found is None:
        return None
    # Noted at most once a minute: a busy client must not write on every call.
    if found.last_used_at is None or found.last_used_at < now - ONE_MINUTE:
        BuyerToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.customer


def revoke_buyer_token(raw: str, *, at: datetime | None = None) -> bool:
    """Sign a buyer token out (True if it was live)."""
    return bool(
        BuyerToken.objects.filter(key_hash=hash_buyer_token(raw), revoked_at__isnull=True).update(
            revoked_at=at or timezone.now()
        )
    )

"""Outgoing webhooks: an event POSTed as JSON to another system, signed.

The body is `{"event": …, "id": …, "created_at": …, "data": {…}}`: the message's
params["event"] (else its kind), its idempotency key, when it was written, and
params["data"]. Headers:

- X-Sellerdesk-Event: the event's name;
- X-Sellerdesk-Delivery: the idempotency key again, the same on every retry: a receiver
  dedupes by it (a retry after a lost answer must not be acted on twice);
- X-Sellerdesk-Timestamp: Unix seconds when this attempt was signed;
- X-Sellerdesk-Signature: hex HMAC-SHA256(endpoint secret, f"{timestamp}.{body}"): the
  receiver recomputes it over the raw body and refuses an old timestamp (a replay).

A 2xx answer is sent; a 4xx (but 408 and 429) will never succeed (not retried); 5xx, 408,
429, a timeout or a refused connection are tried again by the outbox; a redirect is not
followed (it could lead to an address we refuse) and counts as a failure for good.

URLs (`check_webhook_url`, shared with notifications.webhooks when an endpoint is saved,
and checked again before every send since DNS answers change): http or https only, no
user or password in the URL, and never the server itself, a loopback, private,
link-local or otherwise internal address, unless WEBHOOK_ALLOW_LOOPBACK is on (tests, a
receiver on the developer's machine). The connection goes to the address that was checked
(not to a second DNS answer, which could point inside: DNS rebinding), without a proxy
from the environment. A host with no address at send time is tried again later.
docs/webhooks.md has a receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.notifications.channels.base import SendResult, clip, notification_settings

if TYPE_CHECKING:
    from sellerdesk.notifications.models import OutgoingMessage


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The X-Sellerdesk-Signature of `body` sent at `timestamp`."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def _own_addresses() -> set[str]:
    """The addresses this machine answers on (best effort: its host name's)."""
    try:
        return set(socket.gethostbyname_ex(socket.gethostname())[2])
    except OSError:
        return set()


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return (
        ip.is_loopback
        or ip.is_private
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    )


class UnresolvableHost(ValidationFailed):
    """The URL's host has no address (now): at send time, DNS may answer later."""


@dataclass(frozen=True)
class CheckedUrl:
    url: str
    # The checked address to connect to (None: loopback allowed, not resolved): the
    # connection goes there, so a DNS answer that changes between the check and the
    # connection (DNS rebinding) cannot lead it to an internal address.
    address: str | None


def checked_url(url: str, *, allow_loopback: bool | None = None) -> CheckedUrl:
    """`url` stripped with the address to send to; ValidationFailed({"url": why}) when a
    webhook may not go there (see the module's docstring), UnresolvableHost when the
    host has no address. Resolves the host name."""
    if allow_loopback is None:
        allow_loopback = bool(notification_settings().get("WEBHOOK_ALLOW_LOOPBACK", False))
    url = url.strip()
    if any(character.isspace() or not character.isprintable() for character in url):
        raise ValidationFailed({"url": _("is not a valid URL")})
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationFailed({"url": _("is not a valid URL")}) from None
    if parts.scheme not in ("http", "https"):
        raise ValidationFailed({"url": _("must start with http:// or https://")})
    if parts.username is not None or parts.password is not None:
        raise ValidationFailed({"url": _("must not contain a user name or password")})
    host = parts.hostname or ""
    if not host:
        raise ValidationFailed({"url": _("must name a host")})
    if len(url) > 500:
        raise ValidationFailed({"url": _("must be at most 500 characters")})
    if allow_loopback:
        return CheckedUrl(url, None)
    if host.rstrip(".").lower() in {h.lstrip(".").lower() for h in settings.ALLOWED_HOSTS if h != "*"}:
        raise ValidationFailed({"url": _("must not point to this server itself")})
    try:
        answers = socket.getaddrinfo(host, port or (443 if parts.scheme == "https" else 80), proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise UnresolvableHost({"url": _("the host %(host)s cannot be resolved") % {"host": host}}) from None
    own = _own_addresses()
    addresses = [str(answer[4][0]) for answer in answers]
    for address in addresses:
        if address in own or _is_internal(address):
            raise ValidationFailed(
                {"url": _("must not point to this server or an internal address (%(address)s)") % {"address": address}}
            )
    return CheckedUrl(url, addresses[0])


def check_webhook_url(url: str, *, allow_loopback: bool | None = None) -> str:
    """`url` stripped, when a webhook may be sent to it; ValidationFailed({"url": why})
    when not (see the module's docstring). Resolves the host name."""
    return checked_url(url, allow_loopback=allow_loopback).url


def payload(message: OutgoingMessage) -> dict[str, Any]:
    """The JSON the webhook carries for `message`."""
    params = message.params or {}
    return {
        "event": str(params.get("event") or message.kind),
        "id": message.idempotency_key or f"message:{message.pk}",
        "created_at": timezone.localtime(message.created_at).isoformat(),
        "data": params.get("data", {}),
    }


def body_of(message: OutgoingMessage) -> bytes:
    """The exact bytes POSTed: the same on every attempt (keys sorted, no spaces)."""
    return json.dumps(
        payload(message), cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    ).encode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx answer reaches the caller as an HTTPError


def _pinned(connection: http.client.HTTPConnection, address: str) -> http.client.HTTPConnection:
    """`connection` opening its socket to `address` (the Host header and TLS's server name
    stay the URL's host). http.client opens every socket through this attribute."""
    open_socket = socket.create_connection

    def to_address(target: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        return open_socket((address, target[1]), *args, **kwargs)

    connection._create_connection = to_address  # type: ignore[attr-defined]
    return connection


class _PinnedHttp(urllib.request.HTTPHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: urllib.request.Request) -> Any:
        def connect(host: str, **kwargs: Any) -> http.client.HTTPConnection:
            return _pinned(http.client.HTTPConnection(host, **kwargs), self.address)

        return self.do_open(connect, req)  # type: ignore[arg-type]


class _PinnedHttps(urllib.request.HTTPSHandler):
    def __init__(self, address: str) -> None:
        super().__init__(context=ssl.create_default_context())
        self.address = address

    def https_open(self, req: urllib.request.Request) -> Any:
        def connect(host: str, **kwargs: Any) -> http.client.HTTPConnection:
            return _pinned(http.client.HTTPSConnection(host, **kwargs), self.address)

        return self.do_open(connect, req, context=ssl.create_default_context())  # type: ignore[arg-type]


def opener_for(address: str | None) -> urllib.request.OpenerDirector:
    """Redirects not followed; connections to the checked address, with no proxy from
    the environment (a proxy would resolve the host again itself)."""
    if address is None:
        return urllib.request.build_opener(_NoRedirects)
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}), _NoRedirects, _PinnedHttp(address), _PinnedHttps(address)
    )


class WebhookAdapter:
    channel = "webhook"

    def __init__(self) -> None:
        self.timeout = float(notification_settings().get("TIMEOUT_SECONDS", 10))

    def send(self, message: OutgoingMessage) -> SendResult:
        endpoint = message.webhook
        event = str((message.params or {}).get("event") or message.kind)
        # A switched-off endpoint gets nothing more, except the test event staff send it by hand.
        if endpoint is None or (not endpoint.active and event != "ping"):
            return SendResult(ok=False, retryable=False, error=_("The webhook was deleted or switched off."))
        try:
            checked = checked_url(endpoint.url)
        except UnresolvableHost as error:
            return SendResult(ok=False, error=clip(f"{endpoint.url}: {error.fields['url']}", 500))
        except ValidationFailed as error:
            return SendResult(ok=False, retryable=False, error=clip(f"{endpoint.url}: {error.fields['url']}", 500))
        url = checked.url
        body = body_of(message)
        delivery = message.idempotency_key or f"message:{message.pk}"
        timestamp = int(time.time())
        request = urllib.request.Request(  # noqa: S310 (check_webhook_url: http or https only)
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "sellerdesk-webhooks/1",
                "X-Sellerdesk-Event": event,
                "X-Sellerdesk-Delivery": delivery,
                "X-Sellerdesk-Timestamp": str(timestamp),
                "X-Sellerdesk-Signature": sign(endpoint.secret, timestamp, body),
            },
        )
        try:
            with opener_for(checked.address).open(request, timeout=self.timeout) as answer:
                status, text = answer.status, answer.read(2000).decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read(2000).decode("utf-8", "replace")
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            reason = getattr(error, "reason", error)
            return SendResult(
                ok=False, error=clip(_("No answer from %(url)s: %(reason)s") % {"url": url, "reason": reason}, 500)
            )
        if 200 <= status < 300:
            return SendResult(ok=True, provider_message_id=delivery, status_code=status, response=clip(text))
        retryable = status >= 500 or status in (408, 429)
        return SendResult(
            ok=False,
            status_code=status,
            retryable=retryable,
            error=_("The receiver answered %(status)s.") % {"status": status},
            response=clip(text),
        )

"""SMS: the simulated gateway that ships with sellerdesk, and Aliyun SMS (阿里云短信).

Which one sends is settings.SELLERDESK["NOTIFICATIONS"]["SMS_PROVIDER"]: "simulated"
(the default: nothing leaves the machine) or "aliyun".

Both refuse at once, without retrying, a recipient that cannot receive an SMS: only a
mainland mobile number can (core.addresses.normalize_phone, then the number's type: a
landline or a foreign number is refused with a clear error).

Length: a Chinese SMS carries 70 characters (the shop's sign 【…】 counts); a longer one is
sent as parts of 67 characters each, each part billed as one SMS (`segments`, counted by
notifications.templates.sms_segments, which the template editor shows too).

- The simulated gateway appends one JSON line per message to SMS_LOG (VAR_DIR/sms.log):
  the id, the time, the number, the text, the segments, the idempotency key. Its message id
  comes from the idempotency key, so the same message sent twice has the same id, as a
  provider deduping by key would answer. SMS_SIMULATED_FAILURE makes it fail ("retryable":
  the gateway is down; "permanent": it refuses) for tests.
- Aliyun: the public RPC API's SendSms (Version 2017-05-25), signed as Aliyun documents it
  (signature version 1.0): every parameter but Signature sorted by name, names and values
  percent-encoded (RFC 3986: only A-Z a-z 0-9 - _ . ~ stay as they are, a space is %20),
  joined "k=v" with "&" into the canonicalized query string; the string to sign is
  "POST&%2F&" + percent-encode(that string); Signature = Base64(HMAC-SHA1(AccessKeySecret
  + "&", string to sign)). The form is POSTed with urllib to the configured endpoint.
  Aliyun sends only templates it has approved, so the message's kind names a template code
  (ALIYUN_SMS.TEMPLATE_CODES) and its params fill it (TemplateParam); OutId carries the
  message's idempotency key back in Aliyun's delivery receipts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.addresses import normalize_phone
from sellerdesk.notifications.channels.base import ChannelAdapter, SendResult, clip, notification_settings
from sellerdesk.notifications.templates import sms_segments

if TYPE_CHECKING:
    from sellerdesk.notifications.models import OutgoingMessage


def segments(text: str) -> int:
    """How many SMS `text` is billed as (notifications.templates counts them: 70 Chinese
    characters in one, 67 per part when longer; 160 and 153 for plain Latin text)."""
    return sms_segments(text)


def mobile_number(recipient: str) -> str | None:
    """The mainland mobile number in `recipient` (11 digits), or None when it cannot
    receive an SMS (a landline, a foreign or an invalid number)."""
    number = normalize_phone(recipient)
    if number is None or number.startswith("0"):
        return None
    return number


def _not_a_mobile(recipient: str) -> SendResult:
    return SendResult(
        ok=False,
        retryable=False,
        error=_("%(recipient)s cannot receive SMS: only a mainland mobile number can.")
        % {"recipient": recipient or "—"},
    )


def _key_of(message: OutgoingMessage) -> str:
    return message.idempotency_key or f"message:{message.pk}"


class SimulatedSms:
    """The gateway that ships: it "sends" by writing to the SMS log."""

    channel = "sms"

    def __init__(self) -> None:
        config = notification_settings()
        self.log_path = Path(config.get("SMS_LOG") or "sms.log")
        self.failure = str(config.get("SMS_SIMULATED_FAILURE") or "")

    def message_id_for(self, key: str) -> str:
        return "SIM" + hashlib.sha256(key.encode()).hexdigest()[:20].upper()

    def send(self, message: OutgoingMessage) -> SendResult:
        number = mobile_number(message.recipient)
        if number is None:
            return _not_a_mobile(message.recipient)
        if self.failure == "retryable":
            return SendResult(ok=False, status_code=503, error=_("The simulated SMS gateway is unavailable."))
        if self.failure == "permanent":
            return SendResult(
                ok=False, status_code=400, retryable=False, error=_("The simulated SMS gateway refused the message.")
            )
        key = _key_of(message)
        message_id = self.message_id_for(key)
        line = {
            "id": message_id,
            "at": timezone.localtime().isoformat(),
            "to": number,
            "kind": message.kind,
            "text": message.text,
            "segments": segments(message.text),
            "key": key,
        }
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # One write of one line in append mode: lines from several workers never interleave.
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(line, ensure_ascii=False) + "\n")
        return SendResult(ok=True, provider_message_id=message_id, response=json.dumps({"id": message_id}))


# --- Aliyun SMS --------------------------------------------------------------------------

# Aliyun's error codes worth trying again later (throttling, its own trouble); any other
# code means the request itself is wrong (bad number, sign, template, key) and stays wrong.
_ALIYUN_RETRYABLE_PREFIXES = ("Throttling", "ServiceUnavailable", "InternalError", "isv.BUSINESS_LIMIT_CONTROL")


def percent_encode(value: str) -> str:
    """Aliyun's percent-encoding (RFC 3986): only A-Z a-z 0-9 - _ . ~ unencoded, UTF-8,
    a space as %20 (not +), * as %2A."""
    return urllib.parse.quote(value, safe="-_.~")


def canonicalized_query(params: Mapping[str, str]) -> str:
    """The parameters (Signature excluded) sorted by name, encoded and joined."""
    return "&".join(
        f"{percent_encode(name)}={percent_encode(value)}"
        for name, value in sorted(params.items())
        if name != "Signature"
    )


def aliyun_signature(params: Mapping[str, str], *, secret: str, method: str = "POST") -> str:
    """The Signature of an RPC request with these parameters (signature version 1.0)."""
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonicalized_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms:
    """Aliyun SMS's SendSms."""

    channel = "sms"

    def __init__(self) -> None:
        config = notification_settings()
        self.config: dict[str, Any] = dict(config.get("ALIYUN_SMS", {}))
        self.timeout = float(config.get("TIMEOUT_SECONDS", 10))

    def request_params(self, message: OutgoingMessage, *, number: str, now: datetime, nonce: str) -> dict[str, str]:
        """Every parameter of the SendSms request but its Signature."""
        template_params = {name: str(value) for name, value in (message.params or {}).items()}
        return {
            "AccessKeyId": str(self.config.get("ACCESS_KEY_ID", "")),
            "Action": "SendSms",
            "Format": "JSON",
            "OutId": _key_of(message)[:256],
            "PhoneNumbers": number,
            "RegionId": str(self.config.get("REGION_ID") or "cn-hangzhou"),
            "SignName": str(self.config.get("SIGN_NAME", "")),
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": nonce,
            "SignatureVersion": "1.0",
            "TemplateCode": str(self.config.get("TEMPLATE_CODES", {}).get(message.kind, "")),
            "TemplateParam": json.dumps(template_params, ensure_ascii=False, sort_keys=True),
            "Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": "2017-05-25",
        }

    def send(self, message: OutgoingMessage) -> SendResult:
        number = mobile_number(message.recipient)
        if number is None:
            return _not_a_mobile(message.recipient)
        if not self.config.get("TEMPLATE_CODES", {}).get(message.kind):
            return SendResult(
                ok=False,
                retryable=False,
                error=_("No Aliyun SMS template is configured for messages of kind %(kind)s.") % {"kind": message.kind},
            )
        params = self.request_params(message, number=number, now=timezone.now(), nonce=str(uuid.uuid4()))
        params["Signature"] = aliyun_signature(params, secret=str(self.config.get("ACCESS_KEY_SECRET", "")))
        body = "&".join(f"{percent_encode(name)}={percent_encode(value)}" for name, value in params.items()).encode()
        endpoint = str(self.config.get("ENDPOINT") or "https://dysmsapi.aliyuncs.com/")
        if not endpoint.startswith(("https://", "http://")):
            raise ImproperlyConfigured(f"ALIYUN_SMS_ENDPOINT must be an http(s) URL, not {endpoint!r}")
        request = urllib.request.Request(  # noqa: S310 (http or https, checked above)
            endpoint,
            data=body,
            method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310
                status, text = answer.status, answer.read(64_000).decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read(64_000).decode("utf-8", "replace")
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            return SendResult(ok=False, error=clip(_("Aliyun SMS did not answer: %(error)s") % {"error": error}, 500))
        return self._result(status, text)

    def _result(self, status: int, text: str) -> SendResult:
        try:
            data = json.loads(text)
            code, detail = str(data.get("Code", "")), str(data.get("Message", ""))
        except (ValueError, AttributeError):
            data, code, detail = {}, "", text
        if status == 200 and code == "OK":
            return SendResult(
                ok=True, provider_message_id=str(data.get("BizId", "")), status_code=status, response=clip(text)
            )
        retryable = status >= 500 or status in (408, 429) or code.startswith(_ALIYUN_RETRYABLE_PREFIXES)
        return SendResult(
            ok=False,
            status_code=status,
            retryable=retryable,
            error=clip(f"{code or status}: {detail}", 500),
            response=clip(text),
        )


def sms_adapter() -> ChannelAdapter:
    """The SMS adapter SMS_PROVIDER names."""
    provider = notification_settings().get("SMS_PROVIDER", "simulated")
    if provider == "aliyun":
        return AliyunSms()
    if provider == "simulated":
        return SimulatedSms()
    # A typo must not silently keep messages on the simulated gateway.
    raise ImproperlyConfigured(f"SMS_PROVIDER must be 'simulated' or 'aliyun', not {provider!r}")

"""SMS: the simulated gateway, and Aliyun's SendSms against a local stub that checks the
signature as Aliyun does (its own implementation of the documented algorithm)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import urllib.parse
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from sellerdesk.notifications.channels import adapter_for
from sellerdesk.notifications.channels.sms import (
    AliyunSms,
    SimulatedSms,
    aliyun_signature,
    mobile_number,
    percent_encode,
    segments,
)
from sellerdesk.notifications.models import OutgoingMessage
from tests.notifications.http_stub import Answer, Received, closed_port_url, http_stub

SECRET = "aliyun-test-secret"


def sms(
    recipient: str = "13800138000",
    *,
    text: str = "您的订单 SO1 已付款，感谢惠顾。",
    key: str = "paid:SO1:sms",
    **extra: Any,
) -> OutgoingMessage:
    fields: dict[str, Any] = {
        "channel": "sms",
        "kind": "paid",
        "recipient": recipient,
        "text": text,
        "idempotency_key": key,
    }
    fields.update(extra)
    return OutgoingMessage(pk=7, **fields)


@pytest.fixture(autouse=True)
def _in_english() -> Iterator[None]:
    # The errors are read in English (the site's default language is zh-Hans).
    with translation.override("en"):
        yield


@pytest.fixture
def sms_log(settings: Any, tmp_path: Path) -> Path:
    path = tmp_path / "sms.log"
    settings.SELLERDESK = {**settings.SELLERDESK, "NOTIFICATIONS": {"SMS_PROVIDER": "simulated", "SMS_LOG": path}}
    return path


# --- length and numbers -------------------------------------------------------------


def test_segments_are_70_characters_alone_and_67_per_part_when_longer() -> None:
    assert segments("") == 0
    assert segments("好" * 70) == 1
    assert segments("好" * 71) == 2
    assert segments("好" * 134) == 2
    assert segments("好" * 135) == 3


@pytest.mark.parametrize(
    ("recipient", "expected"),
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("010-62345678", None),  # a Beijing landline
        ("+1 650 253 0000", None),  # not mainland China
        ("12345", None),
        ("", None),
    ],
)
def test_only_a_mainland_mobile_number_receives_sms(recipient: str, expected: str | None) -> None:
    assert mobile_number(recipient) == expected


# --- the simulated gateway -----------------------------------------------------------


def test_simulated_gateway_writes_the_message_to_the_sms_log(sms_log: Path) -> None:
    adapter = adapter_for("sms")
    assert isinstance(adapter, SimulatedSms)

    result = adapter.send(sms("+86 138 0013 8000"))

    assert result.ok
    assert result.provider_message_id.startswith("SIM")
    [line] = [json.loads(text) for text in sms_log.read_text(encoding="utf-8").splitlines()]
    assert line["id"] == result.provider_message_id
    assert line["to"] == "13800138000"
    assert line["text"] == "您的订单 SO1 已付款，感谢惠顾。"
    assert line["segments"] == 1
    assert line["key"] == "paid:SO1:sms"


def test_the_same_message_sent_twice_has_the_same_id_another_has_another(sms_log: Path) -> None:
    first = adapter_for("sms").send(sms())
    again = adapter_for("sms").send(sms())
    other = adapter_for("sms").send(sms(key="paid:SO2:sms"))

    assert first.provider_message_id == again.provider_message_id != other.provider_message_id


def test_a_landline_is_refused_for_good_and_nothing_is_sent(sms_log: Path) -> None:
    result = adapter_for("sms").send(sms("010-62345678"))

    assert not result.ok
    assert not result.retryable
    assert result.error == "010-62345678 cannot receive SMS: only a mainland mobile number can."
    assert not sms_log.exists()


@pytest.mark.parametrize(("failure", "retryable"), [("retryable", True), ("permanent", False)])
def test_the_simulated_gateway_fails_when_told_to(settings: Any, sms_log: Path, failure: str, retryable: bool) -> None:
    notifications = settings.SELLERDESK["NOTIFICATIONS"]
    settings.SELLERDESK = {**settings.SELLERDESK, "NOTIFICATIONS": {**notifications, "SMS_SIMULATED_FAILURE": failure}}

    result = adapter_for("sms").send(sms())

    assert not result.ok
    assert result.retryable is retryable
    assert result.error
    assert not sms_log.exists()


def test_an_unknown_provider_is_a_configuration_error(settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "NOTIFICATIONS": {"SMS_PROVIDER": "aliyn"}}

    with pytest.raises(ImproperlyConfigured):
        adapter_for("sms")


# --- Aliyun: the signature -------------------------------------------------------------


def test_percent_encoding_is_aliyuns() -> None:
    assert percent_encode("a b*c~d-e_f.g") == "a%20b%2Ac~d-e_f.g"
    assert percent_encode("2016-02-23T12:46:24Z") == "2016-02-23T12%3A46%3A24Z"
    assert percent_encode("签名") == "%E7%AD%BE%E5%90%8D"
    assert percent_encode('{"a":"1"}') == "%7B%22a%22%3A%221%22%7D"


@pytest.mark.parametrize(
    ("timestamp_name", "signature"),
    [
        # Aliyun's worked examples (DescribeRegions, AccessKeyId testid, secret testsecret):
        # the signature mechanism's page (Timestamp) and the older page (TimeStamp).
        ("Timestamp", "OLeaidS1JvxuMvnyHOwuJ+uX5qY="),
        ("TimeStamp", "CT9X0VtwR86fNWSnsc6v8YGOjuE="),
    ],
)
def test_signature_matches_aliyuns_documented_examples(timestamp_name: str, signature: str) -> None:
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        timestamp_name: "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }

    assert aliyun_signature(params, secret="testsecret", method="GET") == signature


# --- Aliyun: SendSms against a local stub ------------------------------------------------


def _stub_signature(params: dict[str, str], secret: str) -> str:
    """The stub's own reading of Aliyun's algorithm (not the product's code)."""

    def encode(value: str) -> str:
        return (
            urllib.parse.quote_plus(value, encoding="utf-8").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")
        )

    query = "&".join(f"{encode(k)}={encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = "POST&%2F&" + encode(query)
    return base64.b64encode(hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()


class AliyunStub:
    """Answers SendSms as Aliyun does: SignatureDoesNotMatch when the signature is wrong,
    else the answer the test set."""

    def __init__(self) -> None:
        self.answer: dict[str, Any] = {
            "Code": "OK",
            "Message": "OK",
            "BizId": "900619746936498440^0",
            "RequestId": "F655A8D5",
        }
        self.status = 200
        self.params: list[dict[str, str]] = []

    def __call__(self, received: Received) -> Answer:
        params = dict(urllib.parse.parse_qsl(received.body.decode(), keep_blank_values=True, strict_parsing=True))
        self.params.append(params)
        signature = params.pop("Signature", "")
        if not hmac.compare_digest(signature, _stub_signature(params, SECRET)):
            body = {
                "Code": "SignatureDoesNotMatch",
                "Message": "Specified signature is not matched with our calculation.",
            }
            return Answer(400, json.dumps(body).encode())
        return Answer(self.status, json.dumps(self.answer).encode())


@pytest.fixture
def aliyun(settings: Any) -> Any:
    stub = AliyunStub()
    with http_stub(stub) as server:
        settings.SELLERDESK = {
            **settings.SELLERDESK,
            "NOTIFICATIONS": {
                "SMS_PROVIDER": "aliyun",
                "TIMEOUT_SECONDS": 5,
                "ALIYUN_SMS": {
                    "ENDPOINT": server.url,
                    "ACCESS_KEY_ID": "LTAI-test-id",
                    "ACCESS_KEY_SECRET": SECRET,
                    "SIGN_NAME": "小店",
                    "REGION_ID": "cn-hangzhou",
                    "TEMPLATE_CODES": {"paid": "SMS_153055065"},
                },
            },
        }
        yield stub


def test_aliyun_sendsms_is_signed_as_documented_and_answers_the_bizid(aliyun: AliyunStub) -> None:
    adapter = adapter_for("sms")
    assert isinstance(adapter, AliyunSms)

    result = adapter.send(sms("+86 138 0013 8000", params={"order": "SO1", "total": "59.00"}))

    assert result.ok, result.error
    assert result.provider_message_id == "900619746936498440^0"
    assert result.status_code == 200
    [params] = aliyun.params
    timestamp = datetime.strptime(params.pop("Timestamp"), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert abs(timestamp - datetime.now(UTC)) < timedelta(minutes=1)
    assert len(params.pop("SignatureNonce")) == 36
    assert params == {
        "AccessKeyId": "LTAI-test-id",
        "Action": "SendSms",
        "Format": "JSON",
        "OutId": "paid:SO1:sms",
        "PhoneNumbers": "13800138000",
        "RegionId": "cn-hangzhou",
        "SignName": "小店",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_153055065",
        "TemplateParam": '{"order": "SO1", "total": "59.00"}',
        "Version": "2017-05-25",
    }


def test_every_request_has_a_new_nonce(aliyun: AliyunStub) -> None:
    adapter_for("sms").send(sms())
    adapter_for("sms").send(sms())

    assert aliyun.params[0]["SignatureNonce"] != aliyun.params[1]["SignatureNonce"]


def test_a_wrong_secret_is_refused_by_the_stub_and_not_retried(settings: Any, aliyun: AliyunStub) -> None:
    notifications = settings.SELLERDESK["NOTIFICATIONS"]
    wrong = {**notifications["ALIYUN_SMS"], "ACCESS_KEY_SECRET": "not-the-secret"}
    settings.SELLERDESK = {**settings.SELLERDESK, "NOTIFICATIONS": {**notifications, "ALIYUN_SMS": wrong}}

    result = adapter_for("sms").send(sms())

    assert not result.ok
    assert not result.retryable
    assert result.status_code == 400
    assert result.error.startswith("SignatureDoesNotMatch: ")


@pytest.mark.parametrize(
    ("status", "code", "retryable"),
    [
        (200, "isv.MOBILE_NUMBER_ILLEGAL", False),
        (200, "isv.TEMPLATE_MISSING_PARAMETERS", False),
        (200, "isv.BUSINESS_LIMIT_CONTROL", True),  # the per-number rate limit: later
        (400, "Throttling.User", True),
        (500, "InternalError", True),
    ],
)
def test_aliyuns_error_codes_say_whether_to_retry(aliyun: AliyunStub, status: int, code: str, retryable: bool) -> None:
    aliyun.status = status
    aliyun.answer = {"Code": code, "Message": "触发分钟级流控", "RequestId": "R1"}

    result = adapter_for("sms").send(sms())

    assert not result.ok
    assert result.retryable is retryable
    assert result.error == f"{code}: 触发分钟级流控"
    assert result.provider_message_id == ""


def test_a_landline_never_reaches_aliyun(aliyun: AliyunStub) -> None:
    result = adapter_for("sms").send(sms("0571-87654321"))

    assert not result.ok and not result.retryable
    assert "cannot receive SMS" in result.error
    assert aliyun.params == []


def test_a_kind_without_an_aliyun_template_is_refused_and_nothing_is_sent(aliyun: AliyunStub) -> None:
    result = adapter_for("sms").send(sms(kind="parcel_shipped"))

    assert not result.ok and not result.retryable
    assert result.error == "No Aliyun SMS template is configured for messages of kind parcel_shipped."
    assert aliyun.params == []


def test_aliyun_unreachable_is_retried(settings: Any, aliyun: AliyunStub) -> None:
    notifications = settings.SELLERDESK["NOTIFICATIONS"]
    down = {**notifications["ALIYUN_SMS"], "ENDPOINT": closed_port_url()}
    settings.SELLERDESK = {**settings.SELLERDESK, "NOTIFICATIONS": {**notifications, "ALIYUN_SMS": down}}

    result = adapter_for("sms").send(sms())

    assert not result.ok
    assert result.retryable
    assert result.error.startswith("Aliyun SMS did not answer: ")

"""The 快递100 adapter against a local stand-in of 快递100's API (tests/support/kuaidi100_stub.py)
that checks every request's fields and signature as the documentation describes them and
answers with the documented examples; the push callback's verification; bad answers
turned into domain errors; and the adapter inside logistics' booking and tracking."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client

from sellerdesk.core.errors import ValidationFailed
from sellerdesk.logistics import actions, tracking
from sellerdesk.logistics.carriers.base import (
    BadSignature,
    CarrierUnavailable,
    OutOfArea,
    ParcelRef,
    Party,
    ShipmentRequest,
)
from sellerdesk.logistics.carriers.kuaidi100 import (
    CarrierNotConfigured,
    CarrierRefused,
    Kuaidi100Carrier,
    scan_kind,
)
from sellerdesk.logistics.carriers.registry import adapter_for
from sellerdesk.logistics.defaults import load_default_carriers
from sellerdesk.logistics.models import Carrier, CarrierCoverage, Shipment, TrackingEvent
from tests.api.helpers import default_shop  # noqa: F401  (autouse: the shop and the main warehouse)
from tests.logistics.helpers import T0, approved_order, carriers
from tests.support.kuaidi100_stub import (
    CUSTOMER,
    KEY,
    PUSH_EXAMPLE,
    QUERY_SCANS,
    SALT,
    SECRET,
    Kuaidi100Stub,
    Override,
    kuaidi100_stub,
    md5_upper,
    signed_push,
)

CHINA = ZoneInfo("Asia/Shanghai")
CALLBACK_BASE = "https://shop.example.com"
ACCOUNT = {"partnerId": "ZTO-MONTHLY-001", "partnerKey": "zto-pass", "net": "杭州余杭"}

SENDER = Party("主仓", "0571-88888888", "浙江省", "杭州市", "余杭区", "仓前街道 1 号")
RECEIVER = Party("李四", "13800138000", "上海市", "上海市", "浦东新区", "张江路 88 号")


@pytest.fixture(scope="module")
def stub() -> Iterator[Kuaidi100Stub]:
    with kuaidi100_stub() as running:
        yield running


@pytest.fixture(autouse=True)
def _configured(stub: Kuaidi100Stub, settings: Any) -> Iterator[None]:
    stub.reset()
    settings.SELLERDESK = {**settings.SELLERDESK, "KUAIDI100": config(stub)}
    yield
    # Every request the adapter sent in the test was as the documentation describes it.
    assert stub.problems == []


def config(stub: Kuaidi100Stub, **changes: Any) -> dict[str, Any]:
    return {
        "KEY": KEY,
        "SECRET": SECRET,
        "CUSTOMER": CUSTOMER,
        "SALT": SALT,
        "CALLBACK_BASE_URL": CALLBACK_BASE,
        "LABEL_URL": f"{stub.url}/label/order",
        "QUERY_URL": f"{stub.url}/poll/query.do",
        "SUBSCRIBE_URL": f"{stub.url}/poll",
        "ACCOUNTS": {"ZTO": ACCOUNT},
        "TIMEOUT_SECONDS": 2,
        **changes,
    }


def reconfigure(settings: Any, stub: Kuaidi100Stub, **changes: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "KUAIDI100": config(stub, **changes)}


def zto_adapter() -> Kuaidi100Carrier:
    # The adapter needs only the carrier's code and name: no database for these tests.
    return Kuaidi100Carrier(Carrier(code="ZTO", name="中通快递", adapter="kuaidi100"))


def request(**changes: Any) -> ShipmentRequest:
    fields: dict[str, Any] = {
        "reference": "SO1001",
        "sender": SENDER,
        "receiver": RECEIVER,
        "weight_grams": 800,
        "idempotency_key": "bk-0001",
    }
    fields.update(changes)
    return ShipmentRequest(**fields)


def parcel(number: str = "73100000000001", **data: Any) -> ParcelRef:
    carrier_data = {
        "kuaidicom": "zhongtong",
        "phone": "13800138000",
        "from": "浙江省杭州市余杭区",
        "to": "上海市上海市浦东新区",
    }
    carrier_data.update(data)
    return ParcelRef(
        tracking_number=number,
        created_at=datetime(2026, 11, 20, 8, 0, tzinfo=CHINA),
        handed_over_at=None,
        carrier_data=carrier_data,
    )


# --- booking: 电子面单下单 ------------------------------------------------------------------


def test_booking_sends_the_documented_order_request_and_reads_the_example_answer(stub: Kuaidi100Stub) -> None:
    # when a parcel is booked
    created = zto_adapter().create_shipment(request())

    # then 快递100 got one signed order request (the stub checked the signature) …
    (sent,) = stub.received
    assert sent.path == "/label/order"
    assert (sent.form["method"], sent.form["key"]) == ("order", KEY)
    assert sent.form["sign"] == md5_upper(sent.form["param"] + sent.form["t"] + KEY + SECRET)
    # … whose param carries the waybill account, both parties and the subscription
    assert sent.param == {
        "printType": "NON",
        "partnerId": "ZTO-MONTHLY-001",
        "partnerKey": "zto-pass",
        "net": "杭州余杭",
        "kuaidicom": "zhongtong",
        "recMan": {"name": "李四", "printAddr": "上海市上海市浦东新区张江路 88 号", "mobile": "13800138000"},
        "sendMan": {"name": "主仓", "printAddr": "浙江省杭州市余杭区仓前街道 1 号", "tel": "0571-88888888"},
        "count": 1,
        "payType": "MONTHLY",
        "orderId": "bk-0001",
        "remark": "SO1001",
        "weight": 0.8,
        "needSubscribe": True,
        "pollCallBackUrl": "https://shop.example.com/api/v1/carriers/ZTO/tracking",
        "salt": SALT,
        "resultv2": "4",
    }
    # and the documented answer's kuaidinum and bulkpen are the tracking number and routing code
    assert created.tracking_number == "73100000000001"
    assert created.label.routing_code == "330-浙江杭州-西湖"
    assert (created.label.carrier_code, created.label.receiver, created.label.reference) == ("ZTO", RECEIVER, "SO1001")
    assert created.carrier_data == {
        "kuaidicom": "zhongtong",
        "task_id": "027B87B17F1B4F88B2AD8F4C1A5E2E46",
        "order_id": "bk-0001",
        "kd_com_order_num": "",
        "phone": "13800138000",
        "from": "浙江省杭州市余杭区",
        "to": "上海市上海市浦东新区",
    }


def test_a_cod_parcel_asks_the_courier_to_collect_and_no_callback_means_no_subscription(
    stub: Kuaidi100Stub, settings: Any
) -> None:
    reconfigure(settings, stub, CALLBACK_BASE_URL="", CARGO="服装")

    zto_adapter().create_shipment(request(cod_amount=Decimal("128.50"), weight_grams=None))

    param = stub.received[0].param
    assert (param["collection"], param["cargo"]) == ("128.50", "服装")
    assert "weight" not in param
    assert not {"needSubscribe", "pollCallBackUrl", "salt"} & set(param)


def test_a_request_signed_with_another_secret_is_refused_by_kuaidi100(stub: Kuaidi100Stub, settings: Any) -> None:
    reconfigure(settings, stub, SECRET="not-the-secret")

    with pytest.raises(CarrierRefused) as refused:
        zto_adapter().create_shipment(request())

    # the stub computed the documented signature itself and answered 30002 验证签名失败
    assert refused.value.details["kuaidi100_code"] == "30002"
    assert "验证签名失败" in refused.value.message
    assert stub.problems == ["label/order: sign is not MD5(param + t + key + secret) upper-case"]
    stub.problems.clear()


# --- cancelling: 电子面单取消 ----------------------------------------------------------------


def test_cancelling_sends_method_cancel_with_the_waybill_and_the_account(stub: Kuaidi100Stub) -> None:
    zto_adapter().cancel_shipment(parcel(kd_com_order_num="ZTO-ORDER-9"))

    (sent,) = stub.received
    assert sent.form["method"] == "cancel"
    assert sent.param == {
        "partnerId": "ZTO-MONTHLY-001",
        "partnerKey": "zto-pass",
        "net": "杭州余杭",
        "kuaidicom": "zhongtong",
        "kuaidinum": "73100000000001",
        "orderId": "ZTO-ORDER-9",
    }


def test_a_refused_cancellation_is_a_domain_error(stub: Kuaidi100Stub) -> None:
    # 电子面单取消's code 201 取消失败
    stub.answer_json("/label/order", {"success": False, "code": 201, "message": "取消失败", "time": 1})

    with pytest.raises(CarrierRefused) as refused:
        zto_adapter().cancel_shipment(parcel())

    assert refused.value.details == {"carrier": "ZTO", "kuaidi100_code": "201"}


# --- polling: 实时快递查询 --------------------------------------------------------------------


def test_polling_sends_the_signed_query_and_reads_the_example_scans_oldest_first(stub: Kuaidi100Stub) -> None:
    stub.tracks["73100000000001"] = QUERY_SCANS

    events = zto_adapter().fetch_events(parcel(), now=datetime(2026, 12, 1, tzinfo=CHINA))

    (sent,) = stub.received
    assert sent.path == "/poll/query.do"
    assert sent.form["customer"] == CUSTOMER
    assert sent.form["sign"] == md5_upper(sent.form["param"] + KEY + CUSTOMER)
    assert sent.param == {
        "com": "zhongtong",
        "num": "73100000000001",
        "phone": "13800138000",
        "from": "浙江省杭州市余杭区",
        "to": "上海市上海市浦东新区",
        "resultv2": "4",
        "show": "0",
        "order": "asc",
    }
    assert [(e.kind, e.at, e.location) for e in events] == [
        ("picked_up", datetime(2026, 11, 20, 9, 12, 40, tzinfo=CHINA), "浙江,杭州市,余杭区"),
        ("departed", datetime(2026, 11, 20, 21, 40, 5, tzinfo=CHINA), "浙江,杭州市"),
        ("arrived", datetime(2026, 11, 21, 5, 2, 11, tzinfo=CHINA), "上海,上海市,浦东新区"),
        ("out_for_delivery", datetime(2026, 11, 21, 8, 30, tzinfo=CHINA), "上海,上海市,浦东新区"),
        ("delivered", datetime(2026, 11, 21, 12, 15, 42, tzinfo=CHINA), "上海,上海市,浦东新区"),
    ]
    assert events[0].description == "【杭州市】浙江杭州余杭公司 已揽收"
    assert {e.tracking_number for e in events} == {"73100000000001"}


def test_polling_twice_gives_the_same_event_ids_and_stops_at_now(stub: Kuaidi100Stub) -> None:
    stub.tracks["73100000000001"] = QUERY_SCANS
    adapter = zto_adapter()

    everything = adapter.fetch_events(parcel(), now=datetime(2026, 12, 1, tzinfo=CHINA))
    until_morning = adapter.fetch_events(parcel(), now=datetime(2026, 11, 21, 6, 0, tzinfo=CHINA))

    assert [e.event_id for e in until_morning] == [e.event_id for e in everything[:3]]
    assert len({e.event_id for e in everything}) == 5


def test_polling_a_parcel_not_scanned_yet_gives_no_events(stub: Kuaidi100Stub) -> None:
    # 快递100 answers returnCode 500 查询无结果，请隔段时间再查
    assert zto_adapter().fetch_events(parcel(), now=datetime(2026, 12, 1, tzinfo=CHINA)) == []


@pytest.mark.parametrize(
    ("code", "name", "context", "kind"),
    [
        ("101", "揽收", "已下单", None),
        ("1002", "在途", "快件离开【杭州中转部】", "departed"),
        ("0", "在途", "快件已到达【上海】", "arrived"),
        ("501", "派件", "快件已放入驿站", "out_for_delivery"),
        ("304", "签收", "快递柜签收", "delivered"),
        ("6", "退回", "退回寄件人", "returning"),
        ("4", "退签", "退件已签收", "returned"),
        ("14", "拒签", "收件人拒签", "refused"),
        ("203", "疑难", "收件人拒收", "refused"),
        ("207", "疑难", "超出服务范围", "out_of_area"),
        ("209", "疑难", "外包装破损", "damaged"),
        ("208", "疑难", "受台风影响滞留", "delayed_weather"),
        ("208", "疑难", "分拨中心爆仓，快件积压", "overload"),
        ("202", "疑难", "快件超时未更新", None),
        ("", "疑难", "运输车辆发生事故", "delayed_accident"),
        ("", "签收", "已签收", "delivered"),
        ("", "清关中", "清关", None),
    ],
)
def test_kuaidi100_states_map_to_tracking_kinds(code: str, name: str, context: str, kind: str | None) -> None:
    assert scan_kind(code=code, name=name, context=context) == kind


# --- subscribing: 订阅接口 ----------------------------------------------------------------------


def test_subscribing_posts_schema_json_with_the_callback_and_salt(stub: Kuaidi100Stub) -> None:
    zto_adapter().subscribe(tracking_number="73100000000001", phone="13800138000", destination="上海市浦东新区")
    # a parcel subscribed already (501 重复订阅) is not an error
    stub.answer_json("/poll", {"result": False, "returnCode": "501", "message": "POLL:重复订阅"})
    zto_adapter().subscribe(tracking_number="73100000000001")

    (sent,) = stub.received
    assert sent.form["schema"] == "json"
    assert sent.param == {
        "company": "zhongtong",
        "number": "73100000000001",
        "from": "",
        "to": "上海市浦东新区",
        "key": KEY,
        "parameters": {
            "callbackurl": "https://shop.example.com/api/v1/carriers/ZTO/tracking",
            "salt": SALT,
            "resultv2": "4",
            "phone": "13800138000",
        },
    }


# --- not configured --------------------------------------------------------------------------


def test_without_credentials_the_adapter_refuses_clearly_and_sends_nothing(stub: Kuaidi100Stub, settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "KUAIDI100": {}}
    adapter = zto_adapter()

    with pytest.raises(CarrierNotConfigured) as refused:
        adapter.create_shipment(request())
    with pytest.raises(CarrierNotConfigured):
        adapter.fetch_events(parcel(), now=datetime(2026, 12, 1, tzinfo=CHINA))
    with pytest.raises(CarrierNotConfigured):
        adapter.subscribe(tracking_number="73100000000001")

    assert refused.value.message == (
        "中通快递 goes through 快递100, which is not configured: set KUAIDI100_KEY, KUAIDI100_SECRET."
    )
    assert (refused.value.status, refused.value.code) == (503, "carrier_not_configured")
    assert adapter.verify_signature(signed_push(PUSH_EXAMPLE), {}) is False
    assert stub.received == []


# --- bad answers ---------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


BAD_BOOKING_ANSWERS = [
    ("timeout", Override(body=b"{}", delay_seconds=1.5), CarrierUnavailable),
    ("not json", Override(body=b"<html>502 Bad Gateway</html>"), CarrierUnavailable),
    ("http error", Override(status=502, body=b"{}"), CarrierUnavailable),
    ("json list", Override(body=b"[]"), CarrierUnavailable),
    (
        "server error -1",
        Override(body=json.dumps({"success": False, "code": -1, "message": "服务器错误"}).encode()),
        CarrierUnavailable,
    ),
    (
        "no waybill",
        Override(body=json.dumps({"success": True, "code": 200, "data": {"taskId": "x"}}).encode()),
        CarrierUnavailable,
    ),
    (
        "30003 account",
        Override(body=json.dumps({"success": False, "code": 30003, "message": "账号信息不正确"}).encode()),
        CarrierRefused,
    ),
    (
        "30004 balance",
        Override(body=json.dumps({"success": False, "code": 30004, "message": "账号单量不足"}).encode()),
        CarrierRefused,
    ),
    (
        "out of area",
        Override(body=json.dumps({"success": False, "code": 30001, "message": "收件地址超区，不在服务范围"}).encode()),
        OutOfArea,
    ),
    ("null data", Override(body=json.dumps({"success": True, "code": 200, "data": None}).encode()), CarrierRefused),
]


@pytest.mark.parametrize(
    ("case", "answer", "error"), BAD_BOOKING_ANSWERS, ids=[case for case, *_ in BAD_BOOKING_ANSWERS]
)
def test_a_bad_booking_answer_is_a_domain_error(
    stub: Kuaidi100Stub, settings: Any, case: str, answer: Override, error: type[Exception]
) -> None:
    reconfigure(settings, stub, TIMEOUT_SECONDS=0.5)
    stub.answer_next("/label/order", answer)

    with pytest.raises(error):
        zto_adapter().create_shipment(request())


def test_an_unreachable_kuaidi100_is_unavailable(stub: Kuaidi100Stub, settings: Any) -> None:
    reconfigure(settings, stub, LABEL_URL=f"http://127.0.0.1:{_closed_port()}/label/order")

    with pytest.raises(CarrierUnavailable):
        zto_adapter().create_shipment(request())


BAD_QUERY_ANSWERS = [
    ("timeout", Override(body=b"{}", delay_seconds=1.5), CarrierUnavailable),
    ("not json", Override(body=b"\xff\xfe nonsense"), CarrierUnavailable),
    (
        "busy 502",
        Override(body=json.dumps({"result": False, "returnCode": "502", "message": "服务器繁忙"}).encode()),
        CarrierUnavailable,
    ),
    (
        "bad sign 503",
        Override(body=json.dumps({"result": False, "returnCode": "503", "message": "验证签名失败"}).encode()),
        CarrierRefused,
    ),
    (
        "no company 400",
        Override(body=json.dumps({"result": False, "returnCode": "400", "message": "找不到对应公司"}).encode()),
        CarrierRefused,
    ),
    ("scans not a list", Override(body=json.dumps({"message": "ok", "data": "x"}).encode()), CarrierUnavailable),
    (
        "bad time",
        Override(
            body=json.dumps(
                {"message": "ok", "data": [{"ftime": "yesterday", "context": "x", "status": "在途"}]}
            ).encode()
        ),
        CarrierUnavailable,
    ),
]


@pytest.mark.parametrize(("case", "answer", "error"), BAD_QUERY_ANSWERS, ids=[case for case, *_ in BAD_QUERY_ANSWERS])
def test_a_bad_query_answer_is_a_domain_error(
    stub: Kuaidi100Stub, settings: Any, case: str, answer: Override, error: type[Exception]
) -> None:
    reconfigure(settings, stub, TIMEOUT_SECONDS=0.5)
    stub.answer_next("/poll/query.do", answer)

    with pytest.raises(error):
        zto_adapter().fetch_events(parcel(), now=datetime(2026, 12, 1, tzinfo=CHINA))


# --- the push callback ----------------------------------------------------------------------------


def test_the_documented_push_verifies_and_parses_oldest_first() -> None:
    adapter = zto_adapter()
    body = signed_push(PUSH_EXAMPLE)

    assert adapter.verify_signature(body, {"content-type": "application/x-www-form-urlencoded"}) is True
    events = adapter.parse_webhook(body)

    assert [(e.tracking_number, e.kind, e.at, e.location, e.description) for e in events] == [
        ("V030344422", "arrived", datetime(2012, 8, 27, 23, 22, 42, tzinfo=CHINA), "上海市", "上海分拨中心/下车扫描 "),
        (
            "V030344422",
            "departed",
            datetime(2012, 8, 28, 16, 33, 19, tzinfo=CHINA),
            "上海市",
            "上海分拨中心/装件入车扫描 ",
        ),
    ]


def _tampered(body: bytes) -> bytes:
    # one character of the signed param changed (its lastResult.condition F00)
    assert body.count(b"F00") == 1
    return body.replace(b"F00", b"F01")


@pytest.mark.parametrize(
    "body",
    [
        _tampered(signed_push(PUSH_EXAMPLE)),
        signed_push(PUSH_EXAMPLE, salt="another-salt"),
        signed_push(PUSH_EXAMPLE).split(b"&sign=")[0],
        b"",
        b"\xff\xfe",
        json.dumps(PUSH_EXAMPLE).encode(),
        signed_push(PUSH_EXAMPLE) + b"&param=%7B%7D",
    ],
    ids=["tampered", "wrong salt", "no sign", "empty", "not utf-8", "json not a form", "param twice"],
)
def test_a_push_not_signed_with_our_salt_is_refused(body: bytes) -> None:
    assert zto_adapter().verify_signature(body, {}) is False


def test_a_lower_case_signature_of_the_right_digest_is_accepted() -> None:
    from urllib.parse import urlencode

    text = json.dumps(PUSH_EXAMPLE, ensure_ascii=False)
    body = urlencode({"param": text, "sign": md5_upper(text + SALT).lower()}).encode()

    assert zto_adapter().verify_signature(body, {}) is True


@pytest.mark.parametrize(
    "param",
    [
        "not json",
        "[1, 2]",
        json.dumps({"lastResult": "x"}),
        json.dumps({"lastResult": {"nu": "V1", "data": "x"}}),
        json.dumps(
            {"lastResult": {"nu": "", "data": [{"ftime": "2012-08-28 16:33:19", "context": "x", "status": "在途"}]}}
        ),
        json.dumps({"lastResult": {"nu": "V1", "data": [{"ftime": "28/08/2012", "context": "x", "status": "在途"}]}}),
        json.dumps({"lastResult": {"nu": "V1", "data": ["scan"]}}),
    ],
)
def test_a_malformed_push_is_a_validation_error(param: str) -> None:
    from urllib.parse import urlencode

    with pytest.raises(ValidationFailed):
        zto_adapter().parse_webhook(urlencode({"param": param, "sign": md5_upper(param + SALT)}).encode())


def test_a_push_without_scans_has_no_events() -> None:
    # status abort, 3天查询无记录: lastResult without scans
    aborted = {**PUSH_EXAMPLE, "status": "abort", "message": "3天查询无记录", "lastResult": {"message": "", "data": []}}

    assert zto_adapter().parse_webhook(signed_push(aborted)) == []


# --- inside logistics: booking, webhook, polling -----------------------------------------------------


@pytest.fixture
def kuaidi100_zto(default_shop: Any) -> Carrier:  # noqa: F811  (after the shop and warehouse)
    """The default carriers and cost tables, ZTO going through 快递100."""
    carriers()
    Carrier.objects.filter(code="ZTO").update(adapter="kuaidi100")
    return Carrier.objects.get(code="ZTO")


def book_through_logistics() -> Shipment:
    return actions.create_shipment(
        order=approved_order(),
        carrier=Carrier.objects.get(code="ZTO"),
        parcel=actions.Parcel(weight_grams=800),
        actor=None,
        at=T0,
    )


def test_every_default_carrier_stays_on_the_simulated_adapter(db: Any) -> None:
    load_default_carriers(Carrier, CarrierCoverage)

    assert set(Carrier.objects.values_list("adapter", flat=True)) == {"simulated"}
    assert isinstance(adapter_for(Carrier(code="ZTO", name="中通快递", adapter="kuaidi100")), Kuaidi100Carrier)


@pytest.mark.django_db(transaction=True)
def test_booking_through_logistics_asks_kuaidi100_with_no_transaction_open(
    stub: Kuaidi100Stub, kuaidi100_zto: Carrier
) -> None:
    # given the adapter watched: whether a transaction is open at each call to 快递100
    open_transaction: list[bool] = []
    post = Kuaidi100Carrier._post

    def watched(adapter: Kuaidi100Carrier, url: str, form: dict[str, str]) -> dict[str, Any]:
        open_transaction.append(connection.in_atomic_block)
        return post(adapter, url, form)

    # when an order's parcel is booked with ZTO
    with mock.patch.object(Kuaidi100Carrier, "_post", watched):
        shipment = book_through_logistics()

    # then 快递100 was asked once, outside any transaction, and its answer recorded
    assert open_transaction == [False]
    shipment = Shipment.objects.get(pk=shipment.pk)
    assert (shipment.status, shipment.tracking_number) == ("created", "73100000000001")
    assert shipment.label["routing_code"] == "330-浙江杭州-西湖"
    assert stub.received[0].param["orderId"] == shipment.idempotency_key
    assert stub.received[0].param["recMan"]["mobile"] == "13800138000"


def test_a_refusal_for_the_area_fails_the_booking_through_logistics(
    stub: Kuaidi100Stub, kuaidi100_zto: Carrier
) -> None:
    stub.answer_json("/label/order", {"success": False, "code": 30001, "message": "该地址超区，不支持派送"})

    with pytest.raises(OutOfArea):
        book_through_logistics()

    shipment = Shipment.objects.get()
    assert (shipment.status, shipment.booking_error["code"]) == ("booking_failed", "out_of_area")
    assert "超区" in shipment.booking_error["message"]


def test_no_answer_leaves_the_booking_requested_for_the_worker(
    stub: Kuaidi100Stub, settings: Any, kuaidi100_zto: Carrier
) -> None:
    stub.answer_next("/label/order", Override(body=b"Service Unavailable", status=503))

    with pytest.raises(CarrierUnavailable):
        book_through_logistics()

    shipment = Shipment.objects.get()
    assert (shipment.status, shipment.tracking_number) == ("booking_requested", "")


def _push_for(number: str, scans: list[dict[str, str]]) -> dict[str, Any]:
    return {
        **PUSH_EXAMPLE,
        "lastResult": {**PUSH_EXAMPLE["lastResult"], "com": "zhongtong", "nu": number, "data": scans},
    }


def test_a_push_is_recorded_once_and_a_replay_only_counts_duplicates(
    stub: Kuaidi100Stub, kuaidi100_zto: Carrier
) -> None:
    shipment = book_through_logistics()
    body = signed_push(_push_for(shipment.tracking_number, list(reversed(QUERY_SCANS[:3]))))

    first = tracking.receive_webhook(carrier_code="ZTO", body=body, headers={})
    replay = tracking.receive_webhook(carrier_code="ZTO", body=body, headers={})

    assert (first.recorded, first.duplicates) == (3, 0)
    assert (replay.recorded, replay.duplicates) == (0, 3)
    assert list(TrackingEvent.objects.filter(shipment=shipment).values_list("kind", "source")) == [
        ("picked_up", "webhook"),
        ("departed", "webhook"),
        ("arrived", "webhook"),
    ]


def test_a_push_with_a_bad_signature_records_nothing(stub: Kuaidi100Stub, kuaidi100_zto: Carrier) -> None:
    shipment = book_through_logistics()
    body = signed_push(_push_for(shipment.tracking_number, QUERY_SCANS), salt="guessed")

    with pytest.raises(BadSignature):
        tracking.receive_webhook(carrier_code="ZTO", body=body, headers={})

    assert not TrackingEvent.objects.exists()


def test_the_webhook_url_takes_kuaidi100_s_form_post(stub: Kuaidi100Stub, kuaidi100_zto: Carrier) -> None:
    shipment = book_through_logistics()
    body = signed_push(_push_for(shipment.tracking_number, QUERY_SCANS[:2]))

    response = Client().post(
        "/api/v1/carriers/ZTO/tracking", data=body, content_type="application/x-www-form-urlencoded"
    )
    forged = Client().post(
        "/api/v1/carriers/ZTO/tracking", data=_tampered(body), content_type="application/x-www-form-urlencoded"
    )

    assert (response.status_code, response.json()) == (200, {"recorded": 2, "duplicates": 0})
    assert forged.status_code == 401


def test_a_scan_polled_then_pushed_is_kept_once(stub: Kuaidi100Stub, kuaidi100_zto: Carrier) -> None:
    shipment = book_through_logistics()
    stub.tracks[shipment.tracking_number] = QUERY_SCANS

    polled = tracking.poll_shipment(shipment=shipment, now=datetime(2026, 12, 1, tzinfo=CHINA))
    pushed = tracking.receive_webhook(
        carrier_code="ZTO",
        body=signed_push(_push_for(shipment.tracking_number, list(reversed(QUERY_SCANS)))),
        headers={},
    )

    assert (polled.recorded, pushed.recorded, pushed.duplicates) == (5, 0, 5)
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 5


def test_a_request_without_a_key_books_no_waybill(stub: Kuaidi100Stub) -> None:
    # logistics asks so for a parcel that travels already under its own number
    created = zto_adapter().create_shipment(request(idempotency_key=""))

    assert stub.received == []
    assert created.tracking_number == ""
    assert created.carrier_data == {
        "kuaidicom": "zhongtong",
        "tracking_only": True,
        "phone": "13800138000",
        "from": "浙江省杭州市余杭区",
        "to": "上海市上海市浦东新区",
    }


def test_an_order_shipped_elsewhere_is_tracked_by_polling_without_booking(
    stub: Kuaidi100Stub, kuaidi100_zto: Carrier, django_capture_on_commit_callbacks: Any
) -> None:
    from sellerdesk.orders import actions as order_actions

    # given an order marked shipped with 中通 under its own number (tracking asked on commit)
    order = approved_order()
    with django_capture_on_commit_callbacks(execute=True):
        order_actions.ship_order(order=order, actor=None, carrier="中通", tracking_number="ZT123456789")
    shipment = Shipment.objects.get(order=order)
    stub.tracks["ZT123456789"] = QUERY_SCANS

    # when its scans are polled
    polled = tracking.poll_shipment(shipment=shipment, now=datetime(2026, 12, 1, tzinfo=CHINA))

    # then nothing was booked at 快递100, and the parcel's own number was queried
    assert [sent.path for sent in stub.received] == ["/poll/query.do"]
    assert (stub.received[0].param["num"], stub.received[0].param["com"]) == ("ZT123456789", "zhongtong")
    assert Shipment.objects.get(pk=shipment.pk).tracking_number == "ZT123456789"
    assert polled.recorded == 5


def test_a_push_with_a_scan_dated_2099_is_refused_and_records_nothing(
    stub: Kuaidi100Stub, kuaidi100_zto: Carrier
) -> None:
    """Issue 17 B: a carrier event dated 2099 was accepted (core.dates.check_not_future)."""
    shipment = book_through_logistics()
    future = {**QUERY_SCANS[0], "time": "2099-01-01 09:00:00", "ftime": "2099-01-01 09:00:00"}
    body = signed_push(_push_for(shipment.tracking_number, [future, *QUERY_SCANS[:2]]))

    with pytest.raises(ValidationFailed) as caught:
        tracking.receive_webhook(carrier_code="ZTO", body=body, headers={})

    assert list(caught.value.fields) == ["lastResult.data"]
    assert not TrackingEvent.objects.exists()

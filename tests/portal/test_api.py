"""The buyer API: a code, a buyer token, then only the buyer's own orders and cases.
Staff tokens do not work here and buyer tokens do not work on the staff API; another
buyer's order or case is 404; bad input is 422 naming the field and writes nothing."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from sellerdesk.aftersales.models import Case, CaseEvent, CaseMessage, Evidence
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders.models import Order
from sellerdesk.portal.api import PortalCaseIn
from sellerdesk.portal.models import BuyerToken
from sellerdesk.ratings.models import Rating
from tests.conftest import ApiClient
from tests.factories import make_token


def buyer_token(order: Order, phone: str | None = None) -> str:
    public = ApiClient(None)
    body = {"order_number": order.number, "phone": phone or order.buyer_phone}
    asked = public.post("/api/v1/portal/codes", body)
    assert asked.status_code == 202, asked.content
    session = public.post("/api/v1/portal/sessions", {**body, "code": asked.json()["code"]})
    assert session.status_code == 201, session.content
    return str(session.json()["token"])


@pytest.fixture
def alice_api(alice_order: Order) -> ApiClient:
    return ApiClient(buyer_token(alice_order))


def written() -> tuple[int, ...]:
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        CaseMessage.objects.count(),
        Evidence.objects.count(),
        Rating.objects.count(),
    )


def png_upload(name: str = "photo.png") -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def test_signing_in_gives_a_token_of_which_only_the_hash_is_kept(alice_order: Order) -> None:
    public = ApiClient(None)
    body = {"order_number": alice_order.number, "phone": alice_order.buyer_phone}
    asked = public.post("/api/v1/portal/codes", body)
    assert asked.status_code == 202
    assert OutgoingMessage.objects.filter(kind="one_time_code", channel="sms").count() == 1

    session = public.post("/api/v1/portal/sessions", {**body, "code": asked.json()["code"]})

    assert session.status_code == 201
    token = session.json()["token"]
    stored = BuyerToken.objects.get()
    assert token not in (stored.key_hash, stored.prefix + "x") and stored.customer_id == alice_order.customer_id
    assert stored.expires_at.date() > stored.created_at.date()
    orders = ApiClient(token).get("/api/v1/portal/orders")
    assert [order["number"] for order in orders.json()] == [alice_order.number]
    assert BuyerToken.objects.get().last_used_at is not None


def test_the_api_answers_a_wrong_phone_like_a_wrong_code_and_throttles(alice_order: Order) -> None:
    public = ApiClient(None)
    wrong = {"order_number": alice_order.number, "phone": "13900000000"}
    right = {"order_number": alice_order.number, "phone": alice_order.buyer_phone}
    asked_wrong = public.post("/api/v1/portal/codes", wrong).json()
    asked_right = public.post("/api/v1/portal/codes", right).json()
    assert asked_wrong["message"] == asked_right["message"]

    refusals = [public.post("/api/v1/portal/sessions", {**body, "code": "000000"}) for body in (wrong, right)]
    assert [r.status_code for r in refusals] == [401, 401]
    assert refusals[0].json() == refusals[1].json()

    again = public.post("/api/v1/portal/codes", right)
    assert again.status_code == 429
    assert again.json()["code"] == "too_many_codes"
    assert int(again["Retry-After"]) == again.json()["details"]["retry_after_seconds"] > 0


def test_a_bad_code_format_is_422(alice_order: Order) -> None:
    response = ApiClient(None).post(
        "/api/v1/portal/sessions", {"order_number": alice_order.number, "phone": "1", "code": "12ab"}
    )
    assert response.status_code == 422
    assert "code" in response.json()["details"]["fields"]


def test_staff_tokens_do_not_work_here_and_buyer_tokens_not_on_the_staff_api(alice_api: ApiClient, owner: Any) -> None:
    staff = ApiClient(make_token(owner))
    order = Order.objects.get()

    assert staff.get("/api/v1/portal/orders").status_code == 401
    assert staff.get(f"/api/v1/portal/orders/{order.number}").status_code == 401
    assert ApiClient(None).get("/api/v1/portal/orders").status_code == 401
    assert alice_api.get(f"/api/v1/orders/{order.number}").status_code == 401
    assert alice_api.get("/api/v1/orders").status_code == 401
    assert alice_api.post(f"/api/v1/orders/{order.number}/confirm-receipt").status_code == 401
    assert staff.get(f"/api/v1/orders/{order.number}").status_code == 200


def test_a_token_expires_after_30_days(alice_api: ApiClient, time_machine: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    assert alice_api.get("/api/v1/portal/orders").status_code == 200
    time_machine.move_to(timezone.now() + timedelta(days=30, minutes=1))
    assert alice_api.get("/api/v1/portal/orders").status_code == 401


def test_another_buyers_order_and_case_are_404_and_nothing_is_written(alice_api: ApiClient, bob_order: Order) -> None:
    bob_api = ApiClient(buyer_token(bob_order))
    line = bob_order.lines.get()
    opened = bob_api.post(
        f"/api/v1/portal/orders/{bob_order.number}/cases",
        {"type": "return_refund", "reason": "quality", "lines": [{"order_line_id": line.pk, "quantity": 1}]},
    )
    assert opened.status_code == 201, opened.content
    case_number = opened.json()["number"]
    before = written()

    assert alice_api.get(f"/api/v1/portal/orders/{bob_order.number}").status_code == 404
    assert alice_api.get(f"/api/v1/portal/cases/{case_number}").status_code == 404
    for path, body in (
        (f"/api/v1/portal/orders/{bob_order.number}/confirm-receipt", {}),
        (f"/api/v1/portal/orders/{bob_order.number}/rating", {"score": "bad"}),
        (
            f"/api/v1/portal/orders/{bob_order.number}/cases",
            {"type": "return_refund", "reason": "quality", "lines": [{"order_line_id": line.pk, "quantity": 1}]},
        ),
        (f"/api/v1/portal/cases/{case_number}/messages", {"body": "hi"}),
        (f"/api/v1/portal/cases/{case_number}/return-parcel", {"carrier_code": "SF", "tracking_number": "SF1"}),
        (f"/api/v1/portal/cases/{case_number}/cancel", {}),
        (f"/api/v1/portal/cases/{case_number}/dispute", {"reason": "no"}),
    ):
        response = alice_api.post(path, body)
        assert response.status_code == 404, (path, response.content)
        assert response.json()["code"] == "not_found"
    upload = alice_api.client.post(f"/api/v1/portal/cases/{case_number}/evidence", {"photos": [png_upload()]})
    assert upload.status_code == 404

    assert written() == before
    assert Order.objects.get(pk=bob_order.pk).status == "delivered"


def test_more_units_than_shipped_is_422_naming_the_field(alice_api: ApiClient, alice_order: Order) -> None:
    line = alice_order.lines.get()

    response = alice_api.post(
        f"/api/v1/portal/orders/{alice_order.number}/cases",
        {"type": "return_refund", "reason": "quality", "lines": [{"order_line_id": line.pk, "quantity": 3}]},
    )

    assert response.status_code == 422
    assert list(response.json()["details"]["fields"]) == ["lines[0].quantity"]
    assert written() == (0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "teleport", "reason": "quality"}, "type"),
        ({"type": "return_refund", "reason": "bored"}, "reason"),
        (
            {"type": "return_refund", "reason": "quality", "lines": [{"order_line_id": 1, "quantity": 0}]},
            "lines[0].quantity",
        ),
        ({"type": "refund_before_shipping", "reason": "no_longer_wanted", "lines": []}, "type"),
        ({"type": "return_refund", "reason": "quality", "surprise": 1}, "surprise"),
    ],
)
def test_every_field_is_checked(alice_api: ApiClient, alice_order: Order, body: dict[str, Any], field: str) -> None:
    response = alice_api.post(f"/api/v1/portal/orders/{alice_order.number}/cases", body)

    assert response.status_code == 422, response.content
    assert field in response.json()["details"]["fields"]
    assert written() == (0, 0, 0, 0, 0)


def test_the_case_types_and_reasons_of_the_schema_are_the_models(db: Any) -> None:
    from typing import get_args

    from sellerdesk.aftersales.models import CaseType, Reason

    assert list(get_args(PortalCaseIn.model_fields["type"].annotation)) == CaseType.values
    assert list(get_args(PortalCaseIn.model_fields["reason"].annotation)) == Reason.values


def test_the_buyer_api_end_to_end(alice_api: ApiClient, alice_order: Order) -> None:
    order = alice_api.get(f"/api/v1/portal/orders/{alice_order.number}").json()
    assert order["status"] == "delivered" and order["may_confirm_receipt"] is True
    assert "return_refund" in order["case_types"] and "refund_before_shipping" not in order["case_types"]
    line = order["lines"][0]
    assert (line["shipped"], line["askable"]) == (2, 2)
    assert [option["sku"] for option in line["exchange_options"]] == ["TEE-L", "TEE-S"]

    opened = alice_api.post(
        f"/api/v1/portal/orders/{alice_order.number}/cases",
        {
            "type": "return_refund",
            "reason": "quality",
            "description": "开线",
            "lines": [{"order_line_id": line["id"], "quantity": 1}],
        },
        headers={"Idempotency-Key": "case-1"},
    )
    assert opened.status_code == 201, opened.content
    again = alice_api.post(
        f"/api/v1/portal/orders/{alice_order.number}/cases",
        {
            "type": "return_refund",
            "reason": "quality",
            "description": "开线",
            "lines": [{"order_line_id": line["id"], "quantity": 1}],
        },
        headers={"Idempotency-Key": "case-1"},
    )
    assert (again.status_code, again.json()) == (201, opened.json())
    assert Case.objects.count() == 1
    number = opened.json()["number"]

    upload = alice_api.client.post(
        f"/api/v1/portal/cases/{number}/evidence", {"photos": [png_upload(), png_upload("b.png")]}
    )
    assert upload.status_code == 201, upload.content
    assert [item["kind"] for item in upload.json()] == ["photo", "photo"]
    bad = alice_api.client.post(
        f"/api/v1/portal/cases/{number}/evidence", {"photos": [png_upload(), io.BytesIO(b"not an image")]}
    )
    assert bad.status_code == 422 and list(bad.json()["details"]["fields"]) == ["photos[1]"]
    assert Evidence.objects.count() == 2

    message = alice_api.post(f"/api/v1/portal/cases/{number}/messages", {"body": "请尽快处理"})
    assert message.status_code == 201 and message.json()["from_buyer"] is True
    assert alice_api.post(f"/api/v1/portal/cases/{number}/messages", {"body": ""}).status_code == 422

    case = alice_api.get(f"/api/v1/portal/cases/{number}").json()
    assert (case["status"], case["may_cancel"], len(case["evidence"]), case["messages"][0]["body"]) == (
        "requested",
        True,
        2,
        "请尽快处理",
    )
    assert all(event["text"] for event in case["events"])

    canceled = alice_api.post(f"/api/v1/portal/cases/{number}/cancel")
    assert canceled.status_code == 200 and canceled.json()["status"] == "canceled"
    assert alice_api.post(f"/api/v1/portal/cases/{number}/cancel").status_code == 409

    confirmed = alice_api.post(f"/api/v1/portal/orders/{alice_order.number}/confirm-receipt")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "completed"
    rated = alice_api.post(f"/api/v1/portal/orders/{alice_order.number}/rating", {"score": "good", "comment": "好"})
    assert rated.status_code == 201
    assert Rating.objects.get().side == "buyer"


def test_the_openapi_document_lists_the_buyer_api(db: Any) -> None:
    document = json.loads(Client().get("/api/openapi.json").content)
    assert "/api/v1/portal/orders/{number}/cases" in document["paths"]
    assert {"PortalCaseIn", "PortalCaseOut", "PortalOrderOut", "PortalSessionOut"} <= set(
        document["components"]["schemas"]
    )


def test_the_return_parcel_and_the_dispute_through_the_api(
    alice_api: ApiClient, alice_order: Order, agent: Any
) -> None:
    from sellerdesk.aftersales.actions import approve_case, reject_case
    from sellerdesk.logistics.models import Carrier

    Carrier.objects.get_or_create(code="SF", defaults={"name": "顺丰速运"})
    line = alice_order.lines.get()
    body = {"type": "return_refund", "reason": "quality", "lines": [{"order_line_id": line.pk, "quantity": 1}]}
    first = alice_api.post(f"/api/v1/portal/orders/{alice_order.number}/cases", body).json()["number"]
    early = alice_api.post(
        f"/api/v1/portal/cases/{first}/return-parcel", {"carrier_code": "SF", "tracking_number": "SF1234567"}
    )
    assert early.status_code == 409  # not approved yet
    approve_case(case=Case.objects.get(number=first), actor=agent)

    bad = alice_api.post(
        f"/api/v1/portal/cases/{first}/return-parcel", {"carrier_code": "飞鸽", "tracking_number": "X"}
    )
    assert bad.status_code == 422 and "carrier_code" in bad.json()["details"]["fields"]
    posted = alice_api.post(
        f"/api/v1/portal/cases/{first}/return-parcel", {"carrier_code": "SF", "tracking_number": "SF1234567"}
    )
    assert posted.status_code == 200, posted.content
    assert (posted.json()["return_tracking_number"], posted.json()["needs_return_parcel"]) == ("SF1234567", False)

    second = alice_api.post(f"/api/v1/portal/orders/{alice_order.number}/cases", body).json()["number"]
    assert alice_api.post(f"/api/v1/portal/cases/{second}/dispute", {"reason": "不同意"}).status_code == 409
    reject_case(case=Case.objects.get(number=second), actor=agent, reason="照片看不出问题")
    disputed = alice_api.post(f"/api/v1/portal/cases/{second}/dispute", {"reason": "请再看第二张照片"})
    assert disputed.status_code == 200, disputed.content
    assert disputed.json()["status"] == "disputed"
    assert Case.objects.get(number=second).dispute.by_buyer is True


def test_a_request_the_shop_left_unanswered_past_its_time_may_be_disputed(
    alice_api: ApiClient, alice_order: Order, time_machine: Any
) -> None:
    from datetime import timedelta

    line = alice_order.lines.get()
    body = {"type": "return_refund", "reason": "quality", "lines": [{"order_line_id": line.pk, "quantity": 1}]}
    number = alice_api.post(f"/api/v1/portal/orders/{alice_order.number}/cases", body).json()["number"]
    case = Case.objects.get(number=number)
    assert case.due_at is not None
    assert alice_api.get(f"/api/v1/portal/cases/{number}").json()["may_dispute"] is False

    time_machine.move_to(case.due_at + timedelta(minutes=1))

    assert alice_api.get(f"/api/v1/portal/cases/{number}").json()["may_dispute"] is True
    assert alice_api.post(f"/api/v1/portal/cases/{number}/dispute", {"reason": "商家两天没回复"}).status_code == 200


def test_the_buyer_downloads_their_photo_and_signs_out(
    alice_api: ApiClient, alice_order: Order, bob_order: Order
) -> None:
    line = alice_order.lines.get()
    body = {"type": "return_refund", "reason": "quality", "lines": [{"order_line_id": line.pk, "quantity": 1}]}
    number = alice_api.post(f"/api/v1/portal/orders/{alice_order.number}/cases", body).json()["number"]
    photo_id = alice_api.client.post(f"/api/v1/portal/cases/{number}/evidence", {"photos": [png_upload()]}).json()[0][
        "id"
    ]

    served = alice_api.get(f"/api/v1/portal/cases/{number}/evidence/{photo_id}")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    bob_api = ApiClient(buyer_token(bob_order))
    assert bob_api.get(f"/api/v1/portal/cases/{number}/evidence/{photo_id}").status_code == 404

    assert alice_api.client.delete("/api/v1/portal/sessions/current").status_code == 204
    assert alice_api.get("/api/v1/portal/orders").status_code == 401
    assert bob_api.get("/api/v1/portal/orders").status_code == 200


def test_a_file_over_the_limit_is_413_naming_it(alice_api: ApiClient, alice_order: Order, settings: Any) -> None:
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "AFTERSALES": {**settings.SELLERDESK["AFTERSALES"], "MAX_EVIDENCE_BYTES": 200},
    }
    line = alice_order.lines.get()
    body = {"type": "return_refund", "reason": "quality", "lines": [{"order_line_id": line.pk, "quantity": 1}]}
    number = alice_api.post(f"/api/v1/portal/orders/{alice_order.number}/cases", body).json()["number"]
    big = io.BytesIO()
    Image.effect_noise((200, 200), 64).convert("RGB").save(big, format="PNG")
    big.seek(0)
    big.name = "big.png"

    response = alice_api.client.post(f"/api/v1/portal/cases/{number}/evidence", {"photos": [png_upload(), big]})

    assert response.status_code == 413
    assert list(response.json()["details"]["fields"]) == ["photos[1]"]
    assert Evidence.objects.count() == 0

"""The portal's pages: signing in through them, a buyer sees their own orders and cases
and nobody else's (404, like a number that does not exist), every page renders in
zh-Hans and en, and the buyer's actions (receipt, rating, a request with photos, a
message, withdrawing) go through."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from PIL import Image

from sellerdesk.aftersales.actions import approve_case, reject_case
from sellerdesk.aftersales.models import Case, CaseMessage, Evidence
from sellerdesk.logistics.models import Carrier
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import OrderStatus
from sellerdesk.portal.auth import SESSION_KEY
from sellerdesk.ratings.models import Rating
from tests.factories import make_user
from tests.portal.conftest import sign_in


def png(name: str = "photo.png", size: tuple[int, int] = (64, 48)) -> io.BytesIO:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(buffer, format="PNG")
    buffer.seek(0)
    buffer.name = name
    return buffer


def ask_return(client: Client, order: Order, **extra: Any) -> Any:
    line = order.lines.get()
    data = {
        "type": "return_refund",
        "reason": "quality",
        "description": "领口开线",
        f"qty_{line.pk}": "1",
        "photos": [png()],
        **extra,
    }
    return client.post(f"/portal/orders/{order.number}/after-sales/", data)


# --- signing in ------------------------------------------------------------------------


def test_the_buyer_signs_in_with_the_code_and_sees_their_orders(alice_order: Order) -> None:
    client = Client()
    assert client.get("/portal/orders/").status_code == 302

    sign_in(client, alice_order)

    response = client.get("/portal/orders/")
    assert response.status_code == 200
    assert alice_order.number in response.content.decode()
    assert client.session[SESSION_KEY]["customer_id"] == alice_order.customer_id
    assert "_auth_user_id" not in client.session  # never a staff login
    assert OutgoingMessage.objects.filter(kind="one_time_code", order=alice_order).count() == 1


def test_the_code_is_not_shown_unless_the_setting_says_so(alice_order: Order, settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "PORTAL_SHOW_CODES": False}
    response = Client().post(
        "/portal/sign-in/code/", {"order_number": alice_order.number, "phone": alice_order.buyer_phone}
    )
    assert response.status_code == 200
    assert response.context["shown_code"] is None
    assert 'id="shown-code"' not in response.content.decode()


def test_a_wrong_phone_reads_like_a_wrong_code(alice_order: Order) -> None:
    client = Client()
    pages = []
    for phone in ("13900000000", alice_order.buyer_phone):
        sent = client.post("/portal/sign-in/code/", {"order_number": alice_order.number, "phone": phone})
        assert sent.status_code == 200 and 'id="code-sent"' in sent.content.decode()
        refused = client.post(
            "/portal/sign-in/", {"order_number": alice_order.number, "phone": phone, "code": "000000"}
        )
        pages.append((refused.status_code, refused.context["error"]))
    assert pages[0] == pages[1] and pages[0][0] == 401


def test_a_second_code_within_a_minute_says_when_to_try_again(alice_order: Order) -> None:
    client = Client()
    body = {"order_number": alice_order.number, "phone": alice_order.buyer_phone}
    client.post("/portal/sign-in/code/", body)

    response = client.post("/portal/sign-in/code/", body)

    assert response.status_code == 429
    assert response.context["error"]
    assert OutgoingMessage.objects.filter(kind="one_time_code").count() == 1


def test_a_staff_login_is_not_a_buyer(alice_order: Order) -> None:
    client = Client()
    client.force_login(make_user("boss", "owner"))

    assert client.get(f"/portal/orders/{alice_order.number}/").status_code == 302


def test_signing_out_ends_the_portal_session(alice: Client) -> None:
    alice.post("/portal/sign-out/")

    assert alice.get("/portal/orders/").status_code == 302


def test_next_never_leaves_the_portal(alice_order: Order) -> None:
    client = Client()
    sent = client.post(
        "/portal/sign-in/code/?next=https://evil.example/",
        {"order_number": alice_order.number, "phone": alice_order.buyer_phone},
    )
    response = client.post(
        "/portal/sign-in/?next=https://evil.example/",
        {"order_number": alice_order.number, "phone": alice_order.buyer_phone, "code": sent.context["shown_code"]},
    )
    assert response["Location"] == "/portal/orders/"


@pytest.mark.parametrize(
    ("target", "lands_on"),
    [
        ("/service/chat/", "/service/chat/"),  # a buyer's page served by the service desk
        ("/portal/orders/", "/portal/orders/"),
        ("/service/", "/portal/orders/"),  # the staff desk is not a buyer's page
        ("/admin/", "/portal/orders/"),
        ("//evil.example/service/chat/", "/portal/orders/"),
        ("/no/such/page/", "/portal/orders/"),
    ],
)
def test_signing_in_returns_to_the_buyers_page_that_asked(alice_order: Order, target: str, lands_on: str) -> None:
    client = Client()
    sent = client.post(
        f"/portal/sign-in/code/?next={target}",
        {"order_number": alice_order.number, "phone": alice_order.buyer_phone},
    )
    response = client.post(
        f"/portal/sign-in/?next={target}",
        {"order_number": alice_order.number, "phone": alice_order.buyer_phone, "code": sent.context["shown_code"]},
    )
    assert response["Location"] == lands_on


# --- nobody else's data --------------------------------------------------------------------


def test_another_buyers_order_and_case_are_404(alice: Client, bob_order: Order) -> None:
    bob = Client()
    sign_in(bob, bob_order)
    assert ask_return(bob, bob_order).status_code == 302
    case = Case.objects.get(order=bob_order)
    photo = Evidence.objects.get(case=case)
    before = (Case.objects.count(), CaseMessage.objects.count(), Rating.objects.count())

    for path in (
        f"/portal/orders/{bob_order.number}/",
        f"/portal/orders/{bob_order.number}/after-sales/",
        f"/portal/cases/{case.number}/",
        f"/portal/cases/{case.number}/evidence/{photo.pk}/",
        f"/portal/cases/{case.number}/evidence/{photo.pk}/thumbnail/",
    ):
        assert alice.get(path).status_code == 404, path
    for path, data in (
        (f"/portal/orders/{bob_order.number}/confirm-receipt/", {}),
        (f"/portal/orders/{bob_order.number}/rating/", {"score": "bad"}),
        (f"/portal/orders/{bob_order.number}/after-sales/", {"type": "complaint", "reason": "service"}),
        (f"/portal/cases/{case.number}/messages/", {"body": "hi"}),
        (f"/portal/cases/{case.number}/cancel/", {}),
        (f"/portal/cases/{case.number}/dispute/", {"reason": "no"}),
        (f"/portal/cases/{case.number}/return-parcel/", {"carrier_code": "SF", "tracking_number": "SF1"}),
        (f"/portal/cases/{case.number}/evidence/", {"photos": [png()]}),
    ):
        assert alice.post(path, data).status_code == 404, path

    assert (Case.objects.count(), CaseMessage.objects.count(), Rating.objects.count()) == before
    assert Order.objects.get(pk=bob_order.pk).status == OrderStatus.DELIVERED
    assert Case.objects.get(pk=case.pk).status == "requested"
    assert bob_order.number not in alice.get("/portal/orders/").content.decode()


def test_the_buyer_sees_every_order_of_the_same_customer(alice: Client, alice_order: Order) -> None:
    from tests.aftersales.builders import paid_order
    from tests.portal.conftest import ALICE

    second = paid_order(("TEE-L", 1), buyer=ALICE)
    assert second.customer_id == alice_order.customer_id

    content = alice.get("/portal/orders/").content.decode()

    assert alice_order.number in content and second.number in content
    assert alice.get(f"/portal/orders/{second.number}/").status_code == 200


# --- each page in both languages ----------------------------------------------------------


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_every_page_renders_in_both_languages(alice: Client, alice_order: Order, language: str) -> None:
    assert ask_return(alice, alice_order).status_code == 302
    case = Case.objects.get(order=alice_order)
    photo = Evidence.objects.get(case=case)
    alice.cookies["django_language"] = language
    anonymous = Client()
    anonymous.cookies["django_language"] = language
    with translation.override(language):
        delivered = str(OrderStatus.DELIVERED.label)
        requested = str(case.get_status_display())
        return_refund = str(case.get_type_display())

    pages = {
        "/portal/sign-in/": (anonymous, []),
        "/portal/orders/": (alice, [alice_order.number, delivered, case.number]),
        f"/portal/orders/{alice_order.number}/": (alice, [delivered, "纯棉T恤 M", case.number]),
        f"/portal/orders/{alice_order.number}/after-sales/": (alice, ['capture="environment"', return_refund]),
        f"/portal/cases/{case.number}/": (alice, [requested, return_refund, f"/evidence/{photo.pk}/thumbnail/"]),
    }
    for path, (client, expected) in pages.items():
        response = client.get(path)
        content = response.content.decode()
        assert response.status_code == 200, path
        assert ('lang="zh-Hans"' if language == "zh-hans" else 'lang="en"') in content, path
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in content
        assert "portal.css" in content
        assert re.findall(r"""(?:src|href)=["'](?:https?:)?//""", content) == []  # nothing from outside
        assert 'name="language" value="en"' in content and 'name="language" value="zh-hans"' in content
        for text in expected:
            assert text in content, (path, text)


# --- the buyer's actions -------------------------------------------------------------------------


def test_the_buyer_confirms_receipt_and_rates(alice: Client, alice_order: Order) -> None:
    response = alice.post(f"/portal/orders/{alice_order.number}/confirm-receipt/")
    assert response.status_code == 302
    assert Order.objects.get(pk=alice_order.pk).status == OrderStatus.COMPLETED

    response = alice.post(f"/portal/orders/{alice_order.number}/rating/", {"score": "good", "comment": "很合身"})

    assert response.status_code == 302
    rating = Rating.objects.get(order=alice_order)
    assert (rating.side, rating.score, rating.comment, rating.rated_by) == ("buyer", "good", "很合身", None)
    # Once: the page no longer offers it and a second one is refused.
    assert 'id="rating-form"' not in alice.get(f"/portal/orders/{alice_order.number}/").content.decode()
    assert alice.post(f"/portal/orders/{alice_order.number}/rating/", {"score": "bad"}).status_code == 409
    assert Rating.objects.count() == 1


def test_a_request_with_a_photo_opens_a_portal_case(alice: Client, alice_order: Order) -> None:
    response = ask_return(alice, alice_order)

    assert response.status_code == 302
    case = Case.objects.get(order=alice_order)
    assert response["Location"] == f"/portal/cases/{case.number}/"
    assert (case.type, case.reason, case.source, case.status, case.description) == (
        "return_refund",
        "quality",
        "portal",
        "requested",
        "领口开线",
    )
    assert [(line.quantity, line.order_line_id) for line in case.lines.all()] == [(1, alice_order.lines.get().pk)]
    photo = Evidence.objects.get(case=case)
    assert (photo.from_buyer, photo.uploaded_by, photo.kind) == (True, None, "photo")
    served = alice.get(f"/portal/cases/{case.number}/evidence/{photo.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content)[:8] == b"\x89PNG\r\n\x1a\n"


def test_more_units_than_shipped_or_a_bad_file_writes_nothing(alice: Client, alice_order: Order) -> None:
    line = alice_order.lines.get()

    too_many = ask_return(alice, alice_order, **{f"qty_{line.pk}": "3"})
    not_an_image = ask_return(alice, alice_order, photos=[io.BytesIO(b"MZ not a picture")])

    assert too_many.status_code == 422 and too_many.context["form"].errors[f"qty_{line.pk}"]
    assert not_an_image.status_code == 422 and not_an_image.context["photo_error"]
    assert (Case.objects.count(), Evidence.objects.count()) == (0, 0)


def test_an_exchange_names_another_size_of_the_same_item(alice: Client, alice_order: Order, tees: Any) -> None:
    line = alice_order.lines.get()
    large = next(sku for sku in tees if sku.code == "TEE-L")

    response = ask_return(
        alice, alice_order, type="exchange", reason="wrong_size", **{f"swap_{line.pk}": str(large.pk)}
    )

    assert response.status_code == 302
    assert Case.objects.get().lines.get().replacement_sku_id == large.pk


def test_the_case_page_takes_a_message_and_a_withdrawal(alice: Client, alice_order: Order) -> None:
    ask_return(alice, alice_order)
    case = Case.objects.get()

    assert alice.post(f"/portal/cases/{case.number}/messages/", {"body": "什么时候处理？"}).status_code == 302
    message = CaseMessage.objects.get()
    assert (message.from_buyer, message.author, message.body) == (True, None, "什么时候处理？")
    assert "什么时候处理？" in alice.get(f"/portal/cases/{case.number}/").content.decode()

    assert alice.post(f"/portal/cases/{case.number}/cancel/").status_code == 302
    assert Case.objects.get().status == "canceled"
    assert case.events.filter(by_buyer=True, status_after="canceled").exists()


def test_the_buyer_posts_the_return_parcel_once_the_return_is_approved(
    alice: Client, alice_order: Order, agent: Any
) -> None:
    Carrier.objects.get_or_create(code="SF", defaults={"name": "顺丰速运"})
    ask_return(alice, alice_order)
    case = Case.objects.get()
    page = alice.get(f"/portal/cases/{case.number}/").content.decode()
    assert 'id="return-parcel-form"' not in page  # not before it is approved

    approve_case(case=case, actor=agent)
    page = alice.get(f"/portal/cases/{case.number}/").content.decode()
    assert 'id="return-parcel-form"' in page and "顺丰速运" in page  # the carriers offered

    unknown = alice.post(
        f"/portal/cases/{case.number}/return-parcel/", {"carrier_code": "飞鸽", "tracking_number": "X1"}
    )
    assert unknown.status_code == 422 and unknown.context["parcel_form"].errors["carrier_code"]
    assert Case.objects.get().return_tracking_number == ""

    posted = alice.post(
        f"/portal/cases/{case.number}/return-parcel/", {"carrier_code": "顺丰速运", "tracking_number": "SF7700112233"}
    )
    assert posted.status_code == 302
    case.refresh_from_db()
    assert (case.return_carrier, case.return_tracking_number) == ("SF", "SF7700112233")
    assert case.events.filter(by_buyer=True, buyer_visible=True).count() >= 2


def test_the_buyer_disputes_a_rejection(alice: Client, alice_order: Order, agent: Any) -> None:
    ask_return(alice, alice_order)
    case = Case.objects.get()
    assert 'id="dispute"' not in alice.get(f"/portal/cases/{case.number}/").content.decode()
    reject_case(case=case, actor=agent, reason="超过七天")

    page = alice.get(f"/portal/cases/{case.number}/").content.decode()
    assert "超过七天" in page and 'id="open-dispute"' in page
    assert alice.post(f"/portal/cases/{case.number}/dispute/", {"reason": ""}).status_code == 422
    response = alice.post(f"/portal/cases/{case.number}/dispute/", {"reason": "我在第五天就申请了"})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == "disputed"
    assert (case.dispute.by_buyer, case.dispute.opened_by, case.dispute.reason) == (True, None, "我在第五天就申请了")
    assert "我在第五天就申请了" in alice.get(f"/portal/cases/{case.number}/").content.decode()


def test_the_order_page_offers_only_what_the_orders_state_allows(alice: Client, tees: Any) -> None:
    from tests.aftersales.builders import paid_order
    from tests.portal.conftest import ALICE

    paid = paid_order(("TEE-L", 1), buyer=ALICE)
    form = alice.get(f"/portal/orders/{paid.number}/after-sales/").context["form"]
    assert [value for value, _label in form.fields["type"].choices] == ["refund_before_shipping", "complaint"]

    refused = alice.post(
        f"/portal/orders/{paid.number}/after-sales/",
        {"type": "return_refund", "reason": "quality", f"qty_{paid.lines.get().pk}": "1"},
    )
    assert refused.status_code == 422 and refused.context["form"].errors["type"]
    assert Case.objects.count() == 0


def test_signing_in_returns_to_the_page_asked_for(alice_order: Order) -> None:
    client = Client()
    asked = f"/portal/orders/{alice_order.number}/"
    to_sign_in = client.get(asked)
    assert to_sign_in.status_code == 302
    page = client.get(to_sign_in["Location"])
    assert page.context["next"] == asked and f'name="next" value="{asked}"' in page.content.decode()

    body = {"order_number": alice_order.number, "phone": alice_order.buyer_phone, "next": asked}
    sent = client.post("/portal/sign-in/code/", body)
    assert f'name="next" value="{asked}"' in sent.content.decode()
    signed_in = client.post("/portal/sign-in/", {**body, "code": sent.context["shown_code"]})

    assert signed_in["Location"] == asked

"""The staff web UI through Django's test client: login, the order list, the order page
and every form on it. Chinese is the default language; English is one switch away."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from sellerdesk.core.models import User
from sellerdesk.inventory.models import StockLevel, Warehouse
from sellerdesk.logistics.models import Carrier
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order, OrderEvent, OrderNote
from sellerdesk.payments.actions import record_payment
from sellerdesk.payments.models import Payment
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, make_user, place
from tests.support.clock import TEST_NOW

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The order list's four orders were placed 25, 16, 6 and 1 days ago.
EARLY, TMALL, SHIPPED, LATE = (TEST_NOW - timedelta(days=days) for days in (25, 16, 6, 1))


@pytest.fixture(autouse=True)
def chinese_by_default(settings: Any) -> None:
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture(autouse=True)
def shops(db: Any) -> dict[str, Shop]:
    # Tests run without migrations, so the default shop and warehouse are made here.
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    main, _ = Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    tmall, _ = Shop.objects.get_or_create(code="tmall", defaults={"name": "天猫旗舰店", "platform": "tmall"})
    return {"main": main, "tmall": tmall}


@pytest.fixture
def tee(db: Any) -> Any:
    return make_sku("TEE-RED-M", name="纯棉T恤", price="59.00", stock=100, attributes={"颜色": "红", "尺码": "M"})


@pytest.fixture
def agent_client(agent: User) -> Client:
    client = Client()
    client.force_login(agent)
    return client


@pytest.fixture
def unpaid(tee: Any) -> Order:
    """2 × TEE-RED-M = 118.00, buyer 张三 13800138000."""
    return place(("TEE-RED-M", 2), buyer_message="请尽快发货，谢谢")


@pytest.fixture
def paid(unpaid: Order) -> Order:
    record_payment(order=unpaid, amount=Decimal("118.00"), method="online", reference="TX-1", actor=None)
    return Order.objects.get(pk=unpaid.pk)


def url(order: Order) -> str:
    return f"/orders/{order.number}/"


def text_of(response: Any) -> str:
    return response.content.decode()


def state(order: Order) -> tuple[Any, ...]:
    """Everything a refused POST must leave as it was."""
    order.refresh_from_db()
    return (
        order.status,
        order.payment_status,
        order.paid_amount,
        order.total,
        order.carrier,
        order.tracking_number,
        order.flag_color,
        order.flag_reason,
        OrderEvent.objects.filter(order=order).count(),
        OrderNote.objects.filter(order=order).count(),
        Payment.objects.filter(order=order).count(),
        list(order.lines.values_list("unit_price", flat=True)),
    )


# --- who may enter --------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login(db: Any) -> None:
    response = Client().get("/orders/")

    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/orders/"


def test_order_page_also_requires_login(paid: Order) -> None:
    response = Client().get(url(paid))

    assert response.status_code == 302
    assert response["Location"] == f"/login/?next=/orders/{paid.number}/"


def test_root_redirects_to_the_order_list(agent_client: Client) -> None:
    response = agent_client.get("/")

    assert response.status_code == 302
    assert response["Location"] == "/orders/"


def test_login_page_is_chinese_and_logging_in_opens_the_order_list(agent: User) -> None:
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200
    assert "登录 sellerdesk" in text_of(page)

    response = client.post("/login/", {"username": "agent", "password": "pw-agent"})

    assert (response.status_code, response["Location"]) == (302, "/")  # home sends each role to its page
    assert client.get("/")["Location"] == "/orders/"
    assert client.get("/orders/").status_code == 200


def test_wrong_password_stays_on_the_login_page(agent: User) -> None:
    response = Client().post("/login/", {"username": "agent", "password": "wrong"})

    assert response.status_code == 200
    assert "登录 sellerdesk" in text_of(response)


def test_logout_is_a_post_and_ends_the_session(agent_client: Client) -> None:
    response = agent_client.post("/logout/")

    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert agent_client.get("/orders/").status_code == 302


def test_a_buyer_account_is_refused_the_back_office(db: Any) -> None:
    client = Client()
    client.force_login(make_user("shopper", "buyer"))

    response = client.get("/orders/")

    assert response.status_code == 403
    assert "您的账号无权使用后台。" in text_of(response)


def test_header_shows_the_user_navigation_and_language_switch(agent_client: Client) -> None:
    html = text_of(agent_client.get("/orders/"))

    assert "阿华" in html and "客服" in html
    assert 'href="/api/docs"' in html
    assert 'href="/admin/"' not in html  # the admin link is for owners
    assert 'name="language" value="en"' in html
    assert 'name="next" value="/orders/"' in html


def test_owner_sees_the_admin_link(owner: User) -> None:
    client = Client()
    client.force_login(owner)

    assert 'href="/admin/"' in text_of(client.get("/orders/"))


# --- the order list -------------------------------------------------------------------------


@pytest.fixture
def several(tee: Any, shops: dict[str, Shop]) -> dict[str, Order]:
    """Four orders on different days, shops, buyers and states."""
    early = place(
        ("TEE-RED-M", 1),
        buyer=order_actions.Buyer("李四", "13911112222", "lisi"),
        placed_at=EARLY,
    )
    tmall = place(
        ("TEE-RED-M", 1),
        shop="tmall",
        external_id="TM-889",
        buyer=order_actions.Buyer("王五", "13700001111"),
        placed_at=TMALL,
    )
    shipped = place(
        ("TEE-RED-M", 1),
        buyer=order_actions.Buyer("赵六", "13600002222"),
        placed_at=SHIPPED,
    )
    record_payment(order=shipped, amount=Decimal("59.00"), method="online", reference="TX-S", actor=None)
    order_actions.approve_order(order=shipped, actor=None)
    order_actions.ship_order(order=shipped, actor=None, carrier="顺丰速运", tracking_number="SF1234567890")
    late = place(
        ("TEE-RED-M", 1),
        buyer=order_actions.Buyer("张三", "13800138000"),
        placed_at=LATE,
    )
    return {"early": early, "tmall": tmall, "shipped": shipped, "late": late}


def numbers_in(response: Any) -> list[str]:
    return [order.number for order in response.context["orders"]]


def test_list_shows_each_order_newest_first_with_its_columns(agent_client: Client, several: dict[str, Order]) -> None:
    response = agent_client.get("/orders/")

    assert response.status_code == 200
    assert numbers_in(response) == [several[key].number for key in ("late", "shipped", "tmall", "early")]
    html = text_of(response)
    assert "天猫旗舰店" in html and "TM-889" in html and "13911112222" in html and "¥59.00" in html
    assert '<span class="badge badge-shipped">已发货</span>' in html
    assert '<span class="badge badge-unpaid">待付款</span>' in html
    assert f"{SHIPPED:%Y-%m-%d %H:%M}" in html


def test_status_tabs_count_the_orders_of_each_status(agent_client: Client, several: dict[str, Order]) -> None:
    tabs = {tab["value"]: tab["count"] for tab in agent_client.get("/orders/").context["tabs"]}

    assert tabs == {
        "": 4,
        "unpaid": 3,
        "pending_review": 0,
        "on_hold": 0,
        "approved": 0,
        "stockout": 0,
        "allocated": 0,
        "picking": 0,
        "packed": 0,
        "shipped": 1,
        "delivered": 0,
        "completed": 0,
        "closed": 0,
        "refused": 0,
    }


def test_filter_by_status(agent_client: Client, several: dict[str, Order]) -> None:
    response = agent_client.get("/orders/", {"status": "shipped"})

    assert numbers_in(response) == [several["shipped"].number]


def test_filter_by_shop(agent_client: Client, several: dict[str, Order]) -> None:
    response = agent_client.get("/orders/", {"shop": "tmall"})

    assert numbers_in(response) == [several["tmall"].number]


def test_filter_by_date_range_includes_both_days(agent_client: Client, several: dict[str, Order]) -> None:
    response = agent_client.get(
        "/orders/", {"date_from": TMALL.date().isoformat(), "date_to": SHIPPED.date().isoformat()}
    )

    assert numbers_in(response) == [several["shipped"].number, several["tmall"].number]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("13911112222", ["early"]),
        ("SF1234567890", ["shipped"]),
        ("TM-889", ["tmall"]),
        ("赵六", ["shipped"]),
        ("2222", ["shipped", "early"]),
    ],  # the last four digits of a phone match too
)
def test_search_matches_phone_tracking_number_external_id_and_buyer(
    agent_client: Client, several: dict[str, Order], query: str, expected: list[str]
) -> None:
    response = agent_client.get("/orders/", {"q": query})

    assert numbers_in(response) == [several[key].number for key in expected]


def test_search_by_order_number(agent_client: Client, several: dict[str, Order]) -> None:
    response = agent_client.get("/orders/", {"q": several["tmall"].number})

    assert numbers_in(response) == [several["tmall"].number]


def test_no_match_says_so(agent_client: Client, several: dict[str, Order]) -> None:
    response = agent_client.get("/orders/", {"q": "nobody-like-this"})

    assert numbers_in(response) == []
    assert "没有符合条件的订单。" in text_of(response)


def test_a_bad_filter_value_is_shown_and_ignored(agent_client: Client, several: dict[str, Order]) -> None:
    response = agent_client.get("/orders/", {"date_from": "not-a-date", "status": "shipped"})

    assert response.status_code == 200
    assert numbers_in(response) == [several["shipped"].number]
    assert "起始日期" in text_of(response) and 'class="filter-errors"' in text_of(response)


def test_pages_keep_the_filters(agent_client: Client, several: dict[str, Order], settings: Any) -> None:
    settings.ORDERS_PAGE_SIZE = 2

    first = agent_client.get("/orders/", {"status": "unpaid"})
    second = agent_client.get("/orders/", {"status": "unpaid", "page": "2"})

    assert numbers_in(first) == [several["late"].number, several["tmall"].number]
    assert numbers_in(second) == [several["early"].number]
    assert 'href="/orders/?status=unpaid&amp;page=2"' in text_of(first)
    assert 'href="/orders/?status=unpaid&amp;page=1"' in text_of(second)
    assert "第 1 / 2 页 · 共 3 个订单" in text_of(first)


def test_a_page_past_the_end_shows_the_last_page(
    agent_client: Client, several: dict[str, Order], settings: Any
) -> None:
    settings.ORDERS_PAGE_SIZE = 2

    response = agent_client.get("/orders/", {"page": "999"})

    assert numbers_in(response) == [several["tmall"].number, several["early"].number]


def test_live_filter_answers_only_the_results(agent_client: Client, several: dict[str, Order]) -> None:
    response = agent_client.get(
        "/orders/", {"q": "13911112222"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="order-results"
    )

    html = text_of(response)
    assert response.status_code == 200
    assert "<html" not in html and '<table class="table orders-table">' in html
    assert several["early"].number in html and several["late"].number not in html


def test_boosted_navigation_gets_the_whole_page(agent_client: Client, several: dict[str, Order]) -> None:
    response = agent_client.get("/orders/", HTTP_HX_REQUEST="true", HTTP_HX_BOOSTED="true")

    assert "<html" in text_of(response)


# --- the order page -------------------------------------------------------------------------


def test_order_page_shows_lines_totals_buyer_message_and_timeline(agent_client: Client, paid: Order) -> None:
    response = agent_client.get(url(paid))

    html = text_of(response)
    assert response.status_code == 200
    assert "TEE-RED-M" in html and "纯棉T恤" in html and "颜色: 红" in html and "尺码: M" in html
    assert "¥118.00" in html and "¥59.00" in html
    assert "张三" in html and "13800138000" in html and "浙江省 杭州市 西湖区" in html and "文三路 90 号" in html
    assert '<blockquote id="buyer-message">请尽快发货，谢谢</blockquote>' in html
    assert [(entry.title, entry.actor) for entry in response.context["timeline"]] == [
        ("下单", "系统"),
        ("收款", "系统"),
        ("已付清", "系统"),
    ]
    assert "1 种商品，共 2 件，合计 ¥118.00" in html
    assert "在线支付 ¥118.00，累计已付 ¥118.00 · 流水号 TX-1" in html
    assert "待付款 → 待审核" in html


def test_order_page_offers_the_moves_of_its_status(agent_client: Client, unpaid: Order) -> None:
    assert agent_client.get(url(unpaid)).context["moves"] == ["pay", "reprice", "cancel", "note", "flag"]

    record_payment(order=unpaid, amount=Decimal("118.00"), method="online", reference="TX-9", actor=None)

    assert agent_client.get(url(unpaid)).context["moves"] == ["approve", "hold", "cancel", "note", "flag"]


def test_unknown_order_is_404(agent_client: Client, db: Any) -> None:
    response = agent_client.get("/orders/NOPE/")

    assert response.status_code == 404
    assert "此地址没有内容。" in text_of(response)


# --- each form changes the order ------------------------------------------------------------


def follow_message(client: Client, response: Any) -> str:
    assert response.status_code == 302
    return text_of(client.get(response["Location"]))


def test_record_a_remittance(agent_client: Client, unpaid: Order, agent: User) -> None:
    response = agent_client.post(
        url(unpaid), {"action": "pay", "amount": "118.00", "method": "remittance", "reference": "BANK-77"}
    )

    assert response["Location"] == url(unpaid)
    assert "收款已登记。" in follow_message(agent_client, response)
    unpaid.refresh_from_db()
    assert (unpaid.status, unpaid.payment_status, unpaid.paid_amount) == ("pending_review", "paid", Decimal("118.00"))
    payment = Payment.objects.get(order=unpaid)
    assert (payment.method, payment.reference, payment.recorded_by) == ("remittance", "BANK-77", agent)


def test_approve(agent_client: Client, paid: Order, agent: User) -> None:
    response = agent_client.post(url(paid), {"action": "approve"})

    assert "订单已审核。" in follow_message(agent_client, response)
    paid.refresh_from_db()
    assert paid.status == "approved"
    assert OrderEvent.objects.filter(order=paid).order_by("-pk").values_list("type", "actor")[0] == (
        "approved",
        agent.pk,
    )


def test_ship_then_deliver_then_confirm_receipt(agent_client: Client, paid: Order) -> None:
    order_actions.approve_order(order=paid, actor=None)

    shipped = agent_client.post(url(paid), {"action": "ship", "carrier": "中通快递", "tracking_number": "ZT998877"})
    assert "订单已发货。" in follow_message(agent_client, shipped)
    paid.refresh_from_db()
    assert (paid.status, paid.carrier, paid.tracking_number) == ("shipped", "中通快递", "ZT998877")
    assert StockLevel.objects.get(sku__code="TEE-RED-M").on_hand == 98

    agent_client.post(url(paid), {"action": "deliver"})
    paid.refresh_from_db()
    assert paid.status == "delivered"

    done = agent_client.post(url(paid), {"action": "confirm_receipt"})
    assert "已确认收货，订单完成。" in follow_message(agent_client, done)
    paid.refresh_from_db()
    assert paid.status == "completed"


def test_ship_without_tracking_number_is_refused_with_the_field_marked(agent_client: Client, paid: Order) -> None:
    order_actions.approve_order(order=paid, actor=None)
    before = state(paid)

    response = agent_client.post(url(paid), {"action": "ship", "carrier": "中通快递", "tracking_number": ""})

    assert response.status_code == 422
    assert "发货：请修改下方标出的字段。" in text_of(response)
    assert response.context["forms"]["ship"].errors == {"tracking_number": ["这个字段是必填项。"]}
    assert state(paid) == before


def test_cancel_with_reason(agent_client: Client, paid: Order) -> None:
    response = agent_client.post(url(paid), {"action": "cancel", "reason": "买家拍错了"})

    assert "订单已取消。" in follow_message(agent_client, response)
    paid.refresh_from_db()
    assert (paid.status, paid.close_reason, paid.payment_status, paid.refunded_amount) == (
        "closed",
        "买家拍错了",
        "refunded",
        Decimal("118.00"),
    )
    assert StockLevel.objects.get(sku__code="TEE-RED-M").reserved == 0


def test_cancel_without_reason_changes_nothing(agent_client: Client, paid: Order) -> None:
    before = state(paid)

    response = agent_client.post(url(paid), {"action": "cancel", "reason": "   "})

    assert response.status_code == 422
    assert state(paid) == before


def test_add_a_note_shown_as_date_signature_text(agent_client: Client, paid: Order) -> None:
    response = agent_client.post(url(paid), {"action": "note", "text": "已催付"})

    html = follow_message(agent_client, response)
    note = OrderNote.objects.get(order=paid)
    assert note.text == "已催付"
    assert f"<li>{note.display}</li>" in html
    assert note.display.endswith(" 阿华 已催付")


def test_set_and_clear_a_flag(agent_client: Client, paid: Order) -> None:
    agent_client.post(url(paid), {"action": "flag", "color": "red", "reason": "大客户，优先发"})
    paid.refresh_from_db()
    assert (paid.flag_color, paid.flag_reason) == ("red", "大客户，优先发")
    assert "红旗：大客户，优先发" in text_of(agent_client.get(url(paid)))

    agent_client.post(url(paid), {"action": "flag", "color": "", "reason": ""})
    paid.refresh_from_db()
    assert (paid.flag_color, paid.flag_reason) == ("", "")


def test_a_flag_without_reason_is_refused(agent_client: Client, paid: Order) -> None:
    before = state(paid)

    response = agent_client.post(url(paid), {"action": "flag", "color": "red", "reason": ""})

    assert response.status_code == 422
    assert "请填写插旗原因" in text_of(response)
    assert state(paid) == before


def test_change_line_prices_before_payment(agent_client: Client, unpaid: Order) -> None:
    response = agent_client.post(url(unpaid), {"action": "reprice", "price_1": "49.50", "reason": "老客户优惠"})

    assert "价格已修改。" in follow_message(agent_client, response)
    unpaid.refresh_from_db()
    assert unpaid.total == Decimal("99.00")
    assert list(unpaid.lines.values_list("unit_price", flat=True)) == [Decimal("49.50")]
    assert "TEE-RED-M ¥59.00 → ¥49.50。合计 ¥118.00 → ¥99.00 · 原因：老客户优惠" in text_of(
        agent_client.get(url(unpaid))
    )


# --- refusals -------------------------------------------------------------------------------


def test_an_illegal_move_shows_the_error_and_changes_nothing(agent_client: Client, unpaid: Order) -> None:
    before = state(unpaid)

    response = agent_client.post(url(unpaid), {"action": "approve"})

    assert response.status_code == 409
    assert "审核通过：状态为“待付款”的订单不能审核。" in text_of(response)
    assert state(unpaid) == before


def test_repricing_a_paid_order_is_refused(agent_client: Client, paid: Order) -> None:
    before = state(paid)

    response = agent_client.post(url(paid), {"action": "reprice", "price_1": "1.00", "reason": ""})

    assert response.status_code == 409
    assert "状态为“待审核”的订单不能改价。" in text_of(response)
    assert state(paid) == before


def test_overpaying_is_refused_with_the_amount_marked(agent_client: Client, unpaid: Order) -> None:
    before = state(unpaid)

    response = agent_client.post(
        url(unpaid), {"action": "pay", "amount": "500.00", "method": "online", "reference": "X"}
    )

    assert response.status_code == 422
    assert response.context["forms"]["pay"].errors == {"amount": ["超过了待付的 118.00"]}
    assert state(unpaid) == before


def test_an_unknown_action_is_refused(agent_client: Client, paid: Order) -> None:
    before = state(paid)

    response = agent_client.post(url(paid), {"action": "explode"})

    assert response.status_code == 400
    assert state(paid) == before


def test_warehouse_user_does_not_see_approve_and_is_refused_if_it_posts(warehouse_user: User, paid: Order) -> None:
    client = Client()
    client.force_login(warehouse_user)
    page = client.get(url(paid))
    assert page.context["moves"] == ["note", "flag"]
    assert 'value="approve"' not in text_of(page)
    before = state(paid)

    response = client.post(url(paid), {"action": "approve"})

    assert response.status_code == 403
    assert "审核通过：您的角色无权执行此操作（orders.approve）。" in text_of(response)
    assert state(paid) == before


def test_post_without_csrf_token_is_refused(agent: User, paid: Order) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    before = state(paid)

    response = client.post(url(paid), {"action": "approve"})

    assert response.status_code == 403
    assert state(paid) == before


# --- language -------------------------------------------------------------------------------


def test_switching_to_english_keeps_the_page(agent_client: Client, paid: Order) -> None:
    assert ">审核通过</button>" in text_of(agent_client.get(url(paid)))

    response = agent_client.post("/i18n/setlang/", {"language": "en", "next": url(paid)})

    assert response.status_code == 302
    assert response["Location"] == url(paid)
    html = text_of(agent_client.get(url(paid)))
    assert ">Approve</button>" in html and "Pending review" in html and "Timeline" in html
    assert '<html lang="en">' in html

    agent_client.post("/i18n/setlang/", {"language": "zh-hans", "next": url(paid)})
    assert ">审核通过</button>" in text_of(agent_client.get(url(paid)))


def test_order_page_says_which_warehouse_ships_it_and_names_the_carrier(agent_client: Client, paid: Order) -> None:
    """Issue 17 D: the order page says which warehouse ships the order, and shows the
    carrier by its name, not the code the order was given ("sf")."""
    Carrier.objects.create(code="SF", name="顺丰速运")
    warehouse = Warehouse.objects.create(code="hz", name="杭州仓")
    Order.objects.filter(pk=paid.pk).update(warehouse=warehouse, carrier="sf")

    html = text_of(agent_client.get(url(paid), HTTP_ACCEPT_LANGUAGE="en"))

    assert "Ships from" in html and "杭州仓" in html
    assert '<span title="sf">顺丰速运</span>' in html

"""Manual entry of an order by an agent (orders.views_entry): the pasted address split,
buyers found with their saved addresses, lines by SKU code or barcode priced from the
price lists, and the order placed through place_order with the memo as its note — or
refused with every error at its field and nothing typed lost, nothing written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from sellerdesk.catalog.actions import create_sku
from sellerdesk.catalog.models import PriceList, PriceListItem
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.customers.book import AddressInput, add_address
from sellerdesk.customers.models import Customer, CustomerLevel
from sellerdesk.inventory.actions import set_on_hand
from sellerdesk.inventory.models import StockLevel, Warehouse
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.forms_entry import PastedAddress, split_pasted_address
from sellerdesk.orders.models import Order, OrderEvent, OrderNote
from sellerdesk.shops.models import Shop
from tests.factories import make_sku, make_user, place

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture(autouse=True)
def shops(db: Any) -> dict[str, Shop]:
    Warehouse.objects.get_or_create(code="main", defaults={"name": "主仓", "is_default": True})
    main, _ = Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})
    tmall, _ = Shop.objects.get_or_create(code="tmall", defaults={"name": "天猫旗舰店", "platform": "tmall"})
    return {"main": main, "tmall": tmall}


@pytest.fixture
def tee(db: Any) -> Any:
    return make_sku("TEE-RED-M", name="纯棉T恤", price="59.00", stock=10, attributes={"颜色": "红", "尺码": "M"})


@pytest.fixture
def agent_client(agent: User) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def _order_post(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "entry_token": "t-1",
        "shop": "main",
        "source": "phone",
        "payment_method": "",
        "shipping_method": "express",
        "shipping_fee": "8.00",
        "customer": "",
        "nickname": "",
        "name": "张三",
        "phone": "138 0013 8000",
        "province": "浙江",
        "city": "杭州市",
        "district": "西湖区",
        "detail": "文三路90号",
        "buyer_message": "请用顺丰",
        "memo": "老客户，电话确认过",
        "line_sku": ["TEE-RED-M"],
        "line_quantity": ["2"],
        "line_price": ["59.00"],
        "line_quoted": ["59.00"],
    }
    data.update(changes)
    return data


# --- the pasted line -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "张三 13800138000 浙江省杭州市西湖区文三路90号",
            PastedAddress("张三", "13800138000", "浙江省", "杭州市", "西湖区", "文三路90号"),
        ),
        (
            "浙江省 杭州市 西湖区 文三路90号，张三，86-13800138000，310000",
            PastedAddress("张三", "13800138000", "浙江省", "杭州市", "西湖区", "文三路90号"),
        ),
        (
            "收货人：李四 手机：139-0013-6789 地址：上海市浦东新区世纪大道100号",
            PastedAddress("李四", "13900136789", "上海市", "上海市", "浦东新区", "世纪大道100号"),
        ),
        (
            "北京市朝阳区建国路88号 王五 010-88886666",
            PastedAddress("王五", "01088886666", "北京市", "北京市", "朝阳区", "建国路88号"),
        ),
        ("13800138000", PastedAddress(phone="13800138000", problems=("name", "address"))),
        (
            "浙江省 杭州市 西湖区 文三路",
            PastedAddress("", "", "浙江省", "杭州市", "西湖区", "文三路", problems=("name", "phone")),
        ),
        ("", PastedAddress(problems=("name", "phone", "address"))),
    ],
)
def test_a_pasted_line_is_split_into_name_phone_and_address(text: str, expected: PastedAddress) -> None:
    assert split_pasted_address(text) == expected


def test_the_split_answer_fills_the_address_fields_and_keeps_the_nickname(agent_client: Client) -> None:
    response = agent_client.post(
        "/orders/new/split/",
        {"paste": "张三 13800138000 浙江省杭州市西湖区文三路90号", "nickname": "zs_tb", "name": "旧名字"},
        **EN,
    )

    assert response.status_code == 200
    page = response.content.decode()
    for value in ('value="张三"', 'value="13800138000"', 'value="浙江省"', 'value="杭州市"', 'value="西湖区"'):
        assert value in page
    assert 'value="文三路90号"' in page
    assert 'value="zs_tb"' in page
    assert "旧名字" not in page
    assert "Could not read" not in page


def test_the_split_answer_names_what_it_could_not_read(agent_client: Client) -> None:
    response = agent_client.post(
        "/orders/new/split/", {"paste": "张三 浙江省杭州市西湖区文三路90号", "phone": ""}, **EN
    )

    page = response.content.decode()
    assert "Could not read from the pasted line: the phone" in page
    assert 'name="phone" id="id_phone" value="" autocomplete="off"' in page
    assert 'aria-invalid="true"' in page


# --- buyers --------------------------------------------------------------------------------


def test_a_buyer_is_found_by_phone_tail_with_saved_addresses_default_first(
    agent_client: Client, agent: User, tee: Any, shops: dict[str, Shop]
) -> None:
    place(("TEE-RED-M", 1), buyer=order_actions.Buyer("李四", "13900136789", "li_tb"))
    place(("TEE-RED-M", 1), buyer=order_actions.Buyer("王五", "13800131111", "wang"))
    customer = Customer.objects.get(nickname="li_tb")
    home = add_address(
        customer=customer,
        actor=agent,
        address=AddressInput("李四", "13900136789", "浙江省", "杭州市", "文三路1号", district="西湖区", label="家"),
    )
    office = add_address(
        customer=customer,
        actor=agent,
        address=AddressInput("李四", "13900136789", "上海市", "上海市", "世纪大道2号", district="浦东新区"),
    )

    response = agent_client.get("/orders/new/buyers/", {"q": "6789", "shop": "main"}, **EN)

    page = response.content.decode()
    assert response.status_code == 200
    assert "li_tb" in page and "wang" not in page
    assert page.index(f"address={home.pk}") < page.index(f"address={office.pk}")
    assert "家 · 李四 13900136789 浙江省杭州市西湖区文三路1号" in page
    assert (
        agent_client.get("/orders/new/buyers/", {"q": "li_tb", "shop": "tmall"})
        .content.decode()
        .count("data-entry-pick")
        == 0
    )

    picked = agent_client.get("/orders/new/pick/", {"customer": customer.pk, "address": office.pk}, **EN)

    page = picked.content.decode()
    assert f'name="customer" value="{customer.pk}"' in page
    for value in ('value="li_tb"', 'value="李四"', 'value="上海市"', 'value="浦东新区"', 'value="世纪大道2号"'):
        assert value in page


# --- lines ---------------------------------------------------------------------------------


def test_a_scanned_barcode_adds_a_line_and_scanning_it_again_adds_one_more(agent_client: Client) -> None:
    mug = create_sku(actor=None, code="MUG-01", name="马克杯", price=Decimal("25.00"), barcode="6901234567890")
    set_on_hand(sku=mug, on_hand=5, actor=None)

    first = agent_client.post("/orders/new/lines/", {"scan": "6901234567890", "shop": "main"}, **EN)
    assert first.status_code == 200
    assert 'name="line_sku" value="MUG-01"' in first.content.decode()
    assert 'value="25.00"' in first.content.decode()

    again = agent_client.post(
        "/orders/new/lines/",
        {
            "scan": "mug-01",  # typed in lower case
            "shop": "main",
            "line_sku": ["MUG-01"],
            "line_quantity": ["1"],
            "line_price": ["25.00"],
            "line_quoted": ["25.00"],
        },
        **EN,
    )
    page = again.content.decode()
    assert page.count('name="line_sku"') == 1
    assert 'id="line-0-quantity" value="2"' in page
    assert "¥50.00" in page


def test_an_unknown_code_is_refused_at_the_scan_field_and_the_lines_stay(agent_client: Client, tee: Any) -> None:
    response = agent_client.post(
        "/orders/new/lines/",
        {"scan": "NOPE", "line_sku": ["TEE-RED-M"], "line_quantity": ["3"], "line_price": ["50.00"]},
        **EN,
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert "No SKU has the code or barcode NOPE." in page
    assert 'id="line-0-quantity" value="3"' in page
    assert 'id="line-0-price" value="50.00"' in page


def test_prices_come_from_the_price_list_of_the_customers_level_in_tiers(
    agent_client: Client, tee: Any, shops: dict[str, Shop]
) -> None:
    vip = CustomerLevel.objects.create(code="vip", name="VIP", rank=1)
    place(("TEE-RED-M", 1), buyer=order_actions.Buyer("李四", "13900136789", "li_tb"))
    customer = Customer.objects.get(nickname="li_tb")
    customer.level = vip
    customer.save(update_fields=["level"])
    prices = PriceList.objects.create(name="VIP", level=vip)
    PriceListItem.objects.create(price_list=prices, sku=tee, min_quantity=1, unit_price=Decimal("55.00"))
    PriceListItem.objects.create(price_list=prices, sku=tee, min_quantity=10, unit_price=Decimal("50.00"))

    anyone = agent_client.post("/orders/new/lines/", {"scan": "TEE-RED-M", "shop": "main"}, **EN).content.decode()
    for_vip = agent_client.post(
        "/orders/new/lines/", {"scan": "TEE-RED-M", "shop": "main", "customer": customer.pk}, **EN
    ).content.decode()
    # Ten of them: the untouched price follows the tier; a price the agent typed stays.
    at_ten = agent_client.post(
        "/orders/new/lines/",
        {
            "customer": customer.pk,
            "line_sku": ["TEE-RED-M", "TEE-RED-M"],
            "line_quantity": ["10", "10"],
            "line_price": ["55.00", "52.00"],
            "line_quoted": ["55.00", "55.00"],
        },
        **EN,
    ).content.decode()

    assert 'id="line-0-price" value="59.00"' in anyone
    assert 'id="line-0-price" value="55.00"' in for_vip
    assert "1+ ¥55.00 · 10+ ¥50.00" in for_vip
    assert 'id="line-0-price" value="50.00"' in at_ten
    assert 'id="line-1-price" value="52.00"' in at_ten


def test_a_line_is_removed(agent_client: Client, tee: Any) -> None:
    make_sku("MUG-01", price="25.00")
    response = agent_client.post(
        "/orders/new/lines/",
        {
            "remove": "0",
            "scan": "half-typed",
            "line_sku": ["TEE-RED-M", "MUG-01"],
            "line_quantity": ["1", "2"],
            "line_price": ["59.00", "25.00"],
        },
        **EN,
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="line_sku" value="MUG-01"' in page and "TEE-RED-M" not in page


# --- placing the order ---------------------------------------------------------------------


def test_the_new_order_page_is_offered_on_the_list_with_its_key(agent_client: Client, warehouse_user: User) -> None:
    listing = agent_client.get("/orders/", **EN).content.decode()
    assert 'href="/orders/new/" data-new-order aria-keyshortcuts="Alt+N N"' in listing

    page = agent_client.get("/orders/new/", **EN)
    assert page.status_code == 200
    assert 'id="entry-find"' in page.content.decode()

    picker = Client()
    picker.force_login(warehouse_user)
    assert "data-new-order" not in picker.get("/orders/", **EN).content.decode()
    assert picker.get("/orders/new/", **EN).status_code == 403


def test_a_phone_order_is_placed_with_its_memo_as_a_note_and_opens_its_page(
    agent_client: Client, agent: User, tee: Any
) -> None:
    response = agent_client.post("/orders/new/", _order_post(), **EN)

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/"
    assert (order.source, order.payment_method, order.status) == ("phone", "online", "unpaid")
    assert (order.buyer_name, order.buyer_phone, order.province, order.city, order.district) == (
        "张三",
        "13800138000",
        "浙江省",
        "杭州市",
        "西湖区",
    )
    assert (order.subtotal, order.shipping_fee, order.total) == (Decimal("118.00"), Decimal("8.00"), Decimal("126.00"))
    assert order.buyer_message == "请用顺丰"
    assert order.created_by == agent
    note = OrderNote.objects.get(order=order)
    assert (note.text, note.author) == ("老客户，电话确认过", agent)
    assert "老客户" not in order.buyer_message
    assert StockLevel.objects.get(sku=tee).reserved == 2
    assert OrderEvent.objects.filter(order=order, type="note_added").count() == 1
    page = agent_client.get(response["Location"], **EN).content.decode()
    assert f"Order {order.number} placed." in page

    # The same page sent again (a double Ctrl+Enter) opens the order, places nothing.
    again = agent_client.post("/orders/new/", _order_post(), **EN)
    assert again["Location"] == f"/orders/{order.number}/"
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("source", "payment", "status", "payment_status"),
    [("cod", "cod", "pending_review", "cod"), ("remittance", "remittance", "unpaid", "unpaid")],
)
def test_the_payment_method_follows_the_source(
    agent_client: Client, tee: Any, source: str, payment: str, status: str, payment_status: str
) -> None:
    agent_client.post("/orders/new/", _order_post(source=source), **EN)

    order = Order.objects.get()
    assert (order.source, order.payment_method, order.status, order.payment_status) == (
        source,
        payment,
        status,
        payment_status,
    )


def test_a_cod_order_paid_online_is_refused_at_the_payment_field(agent_client: Client, tee: Any) -> None:
    response = agent_client.post("/orders/new/", _order_post(source="cod", payment_method="online"), **EN)

    assert response.status_code == 422
    assert "is paid by Cash on delivery" in response.content.decode()
    assert Order.objects.count() == 0


def test_bad_fields_are_shown_at_their_field_and_everything_typed_is_kept(agent_client: Client, tee: Any) -> None:
    response = agent_client.post(
        "/orders/new/",
        _order_post(phone="12345", province="火星", line_quantity=["0"], memo="记得送小样"),
        **EN,
    )

    page = response.content.decode()
    assert response.status_code == 422
    assert "enter a mainland mobile or landline number" in page
    assert "not a province of China" in page
    assert "between 1 and 100000" in page
    for kept in ('value="12345"', 'value="火星"', 'id="line-0-quantity" value="0"', "记得送小样", "请用顺丰"):
        assert kept in page
    assert 'name="entry_token" value="t-1"' in page
    assert Order.objects.count() == 0
    assert OrderNote.objects.count() == 0


def test_an_order_without_lines_is_refused(agent_client: Client, tee: Any) -> None:
    response = agent_client.post("/orders/new/", _order_post(line_sku=[], line_quantity=[], line_price=[]), **EN)

    assert response.status_code == 422
    assert "add at least one line" in response.content.decode()
    assert Order.objects.count() == 0


def test_not_enough_stock_is_shown_at_the_line_and_nothing_is_written(agent_client: Client, tee: Any) -> None:
    response = agent_client.post("/orders/new/", _order_post(line_quantity=["11"]), **EN)

    page = response.content.decode()
    assert response.status_code == 409
    assert "only 10 available" in page
    assert 'id="line-0-quantity" value="11"' in page
    assert Order.objects.count() == 0
    assert OrderNote.objects.count() == 0
    assert StockLevel.objects.get(sku=tee).reserved == 0


def test_a_sku_taken_off_sale_meanwhile_is_shown_at_its_line(agent_client: Client, tee: Any) -> None:
    tee.is_active = False
    tee.save(update_fields=["is_active"])

    response = agent_client.post("/orders/new/", _order_post(), **EN)

    assert response.status_code == 422
    assert "SKU TEE-RED-M is not on sale" in response.content.decode()
    assert Order.objects.count() == 0


def test_a_picked_customer_without_a_nickname_gets_the_order(agent_client: Client, tee: Any) -> None:
    place(("TEE-RED-M", 1), buyer=order_actions.Buyer("张三", "13800138000", "zs_tb"))
    customer = Customer.objects.get(nickname="zs_tb")

    agent_client.post("/orders/new/", _order_post(customer=str(customer.pk), nickname="zs_tb"), **EN)

    customer.refresh_from_db()
    assert customer.order_count == 2
    assert Order.objects.order_by("pk").last().customer_id == customer.pk  # type: ignore[union-attr]


def test_only_staff_who_may_enter_orders_see_the_form(db: Any) -> None:
    buyer = make_user("buyer", "buyer")
    client = Client()
    client.force_login(buyer)

    assert client.get("/orders/new/").status_code == 403
    assert client.post("/orders/new/", _order_post()).status_code == 403
    assert Order.objects.count() == 0


def test_a_memo_that_cannot_be_written_leaves_no_order(
    agent_client: Client, tee: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(**kwargs: Any) -> None:
        raise ValidationFailed({"text": "refused"})

    monkeypatch.setattr(order_actions, "add_note", refuse)

    response = agent_client.post("/orders/new/", _order_post(), **EN)

    assert response.status_code == 422
    assert '<p class="field-error" id="id_memo-error">refused</p>' in response.content.decode()
    assert Order.objects.count() == 0
    assert Customer.objects.count() == 0
    assert StockLevel.objects.get(sku=tee).reserved == 0


def test_the_entry_answers_need_a_login(client: Client) -> None:
    for path in ("/orders/new/", "/orders/new/buyers/?q=1234", "/orders/new/pick/?customer=1"):
        assert client.get(path).status_code == 302
    for path in ("/orders/new/", "/orders/new/split/", "/orders/new/lines/"):
        assert client.post(path, {}).status_code == 302

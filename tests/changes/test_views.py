"""The change panel of the order page and the exception queue's two bulk actions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from sellerdesk.allocation.actions import allocate_order
from sellerdesk.catalog.models import Sku
from sellerdesk.core.models import User
from sellerdesk.orders.actions import Address, Buyer
from sellerdesk.orders.models import Order, OrderHold
from sellerdesk.orders.review import actions as review
from tests.api.helpers import advance, stock
from tests.changes.conftest import everything, paid
from tests.review.conftest import AFTER_BUFFER

QUEUE = "/orders/review-queue/"
BULK = "/orders/review-queue/changes/"


@pytest.fixture
def agent_client(agent: User) -> Client:
    client = Client()
    client.force_login(agent)
    return client


def _panel(order: Order) -> str:
    return f"/orders/{order.number}/changes/"


def _wrong_district(**fields: Any) -> Order:
    """A paid order held by the review: 朝阳区 is not in 杭州市; 西湖区 is suggested."""
    order = paid(("TEE-RED-M", 1), address=Address("浙江省", "杭州市", "朝阳区", "西湖区文三路90号"), **fields)
    review.review_order(order_id=order.pk, now=AFTER_BUFFER)
    return Order.objects.get(pk=order.pk)


def _suggestion(order: Order) -> dict[str, str]:
    suggestion = OrderHold.objects.get(order=order, reason="address").suggestion
    assert suggestion is not None
    return dict(suggestion["address"])


def test_order_page_loads_the_panel(agent_client: Client, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    page = agent_client.get(f"/orders/{order.number}/")
    assert page.status_code == 200
    assert f'hx-get="{_panel(order)}"' in page.content.decode()
    panel = agent_client.get(_panel(order), HTTP_HX_REQUEST="true")
    html = panel.content.decode()
    assert panel.status_code == 200
    assert 'name="what" value="lines"' in html
    assert 'name="what" value="address"' in html
    assert '<option value="SF">顺丰速运 (SF)</option>' in html
    assert "<html" not in html


def test_address_form_is_prefilled_with_the_suggestion(agent_client: Client, tee: Sku) -> None:
    order = _wrong_district()
    suggested = _suggestion(order)
    html = agent_client.get(_panel(order)).content.decode()
    assert suggested["district"] == "西湖区"
    assert 'name="district" value="西湖区"' in html


def test_change_line_form(agent_client: Client, tee: Sku, blue: Sku) -> None:
    order = paid(("TEE-RED-M", 2))
    response = agent_client.post(_panel(order), {"what": "lines", "line": "1", "sku": "TEE-BLU-M", "quantity": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/"
    assert stock("TEE-BLU-M") == (5, 1)
    assert stock("TEE-RED-M") == (100, 0)
    assert Order.objects.get(pk=order.pk).total == Decimal("69.00")


def test_change_line_form_errors_change_nothing(agent_client: Client, tee: Sku, blue: Sku) -> None:
    order = paid(("TEE-RED-M", 2))
    before = everything(order)
    short = agent_client.post(_panel(order), {"what": "lines", "line": "1", "sku": "TEE-BLU-M", "quantity": "9"})
    assert short.status_code == 409
    assert "TEE-BLU-M" in short.content.decode()
    bad = agent_client.post(_panel(order), {"what": "lines", "line": "1", "quantity": "0"})
    assert bad.status_code == 422
    assert everything(order) == before


def test_correct_address_form(agent_client: Client, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    address = {"province": "广东省", "city": "广州市", "district": "天河区", "detail": "天河路 1 号"}
    response = agent_client.post(_panel(order), {"what": "address", **address})
    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).address_text == "广东省广州市天河区天河路 1 号"


def test_unreal_address_form_shows_the_field_error(agent_client: Client, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    before = everything(order)
    address = {"province": "浙江省", "city": "杭州市", "district": "天河区", "detail": "文三路 1 号"}
    response = agent_client.post(_panel(order), {"what": "address", **address})
    assert response.status_code == 422
    assert 'class="field has-error"' in response.content.decode()
    assert everything(order) == before


def test_choose_carrier_form(agent_client: Client, tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1))
    response = agent_client.post(_panel(order), {"what": "carrier", "carrier": "ZTO"})
    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).carrier == "ZTO"


def test_the_order_page_links_the_panel_only_while_the_order_may_change(agent_client: Client, tee: Sku) -> None:
    # An allocated order is not shipped, but the warehouse has it: nothing of it may change
    # any more, so its page no longer links a panel that would offer nothing.
    approved = advance(paid(("TEE-RED-M", 1)), "approved")
    allocated = advance(paid(("TEE-RED-M", 1)), "approved")
    allocate_order(order=allocated, actor=None)
    assert Order.objects.get(pk=allocated.pk).status == "allocated"

    assert f'hx-get="{_panel(approved)}"' in agent_client.get(f"/orders/{approved.number}/").content.decode()
    assert f'hx-get="{_panel(allocated)}"' not in agent_client.get(f"/orders/{allocated.number}/").content.decode()


def test_shipped_order_panel_offers_nothing(agent_client: Client, tee: Sku) -> None:
    order = advance(paid(("TEE-RED-M", 1)), "shipped")
    html = agent_client.get(_panel(order)).content.decode()
    assert 'name="what"' not in html
    before = everything(order)
    assert agent_client.post(_panel(order), {"what": "carrier", "carrier": "SF"}).status_code == 409
    assert everything(order) == before


def test_bulk_apply_suggestion(agent_client: Client, tee: Sku) -> None:
    wrong = _wrong_district()
    suggested = _suggestion(wrong)
    no_suggestion = paid(("TEE-RED-M", 1), buyer=Buyer("赵六", "13600136000", "zhaoliu"))
    review.hold_order(order=no_suggestion, actor=None, reason="地址待确认")
    before = everything(no_suggestion)["order"]
    response = agent_client.post(
        BULK, {"action": "apply_suggestion", "orders": [wrong.number, no_suggestion.number], "next": QUEUE}, follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain == [(QUEUE, 302)]
    fresh = Order.objects.get(pk=wrong.pk)
    assert (fresh.province, fresh.city, fresh.district) == (
        suggested["province"],
        suggested["city"],
        suggested["district"],
    )
    assert not OrderHold.objects.filter(order=wrong, reason="address", resolved_at__isnull=True).exists()
    assert f"{no_suggestion.number}: " in html
    assert everything(no_suggestion)["order"] == before


def test_bulk_change_carrier_reports_each_order(agent_client: Client, tee: Sku) -> None:
    near = paid(("TEE-RED-M", 1))
    review.hold_order(order=near, actor=None, reason="换快递")
    far = paid(("TEE-RED-M", 1), address=Address("西藏自治区", "阿里地区", "噶尔县", "狮泉河镇 1 号"))
    review.hold_order(order=far, actor=None, reason="换快递")
    response = agent_client.post(
        BULK, {"action": "change_carrier", "carrier": "ZTO", "orders": [near.number, far.number]}, follow=True
    )
    assert response.status_code == 200
    assert Order.objects.get(pk=near.pk).carrier == "ZTO"
    assert Order.objects.get(pk=far.pk).carrier == ""
    assert f"{far.number}: " in response.content.decode()


def test_queue_page_shows_the_bulk_buttons(agent_client: Client, tee: Sku) -> None:
    _wrong_district()
    html = agent_client.get(QUEUE).content.decode()
    assert f'formaction="{BULK}"' in html
    assert 'value="apply_suggestion"' in html
    assert 'value="change_carrier"' in html

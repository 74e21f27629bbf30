"""Issue 17 D — the order list: ticking orders and bulk moves (approve, hold, release,
assign, print) reported per order, export of the filtered list to Excel, pasting many
order / platform / tracking numbers at once, and saved views."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from sellerdesk.orders import export as order_export
from sellerdesk.orders.models import Order, OrderEvent, SavedView
from sellerdesk.orders.queries import OrderFilters, filter_orders, number_list, numbers_not_found
from tests.api.helpers import advance, default_shop  # noqa: F401  (autouse)
from tests.factories import make_sku, make_user, place
from tests.logistics.helpers import booked, carriers


@pytest.fixture(autouse=True)
def _shop(default_shop: Any) -> None:  # noqa: F811
    make_sku("TEE", stock=100)


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def states() -> list[tuple[str, str, Any]]:
    return list(Order.objects.order_by("pk").values_list("number", "status", "assignee_id"))


# --- pasting many numbers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("2612060001\n2612060002", ["2612060001", "2612060002"]),
        ("2612060001, 2612060002,2612060001", ["2612060001", "2612060002"]),
        ("2612060001，2612060002、SF123456789；YT99887766", ["2612060001", "2612060002", "SF123456789", "YT99887766"]),
        ("2612060001 2612060002\tTB-3100000013", ["2612060001", "2612060002", "TB-3100000013"]),
        ("  2612060001  ", None),  # one number is one search term
        ("138 0013 8000", None),  # a phone typed with spaces
        ("Li Wei", None),  # a name with a space
        ("tb 12345678", None),
    ],
)
def test_a_pasted_list_is_read_as_numbers_and_one_term_is_not(text: str, terms: list[str] | None) -> None:
    """Issue 17 D: the search box takes a list separated by spaces, commas, newlines or
    Chinese punctuation, without mistaking a phone or a name for one."""
    assert number_list(text) == terms


def test_pasted_order_platform_and_tracking_numbers_find_their_orders(agent: Any) -> None:
    """Issue 17 D: many numbers pasted at once find their orders; the page says which not."""
    carriers()
    first = place(("TEE", 1), external_id="TB-3100000013")
    second = place(("TEE", 1))
    shipped = advance(place(("TEE", 1)), "shipped")
    parcel = booked()
    place(("TEE", 1))  # not asked for
    pasted = (
        f"TB-3100000013\n{second.number}，{shipped.tracking_number.lower()}、{parcel.tracking_number}; NOPE-0000001"
    )

    found = sorted(filter_orders(OrderFilters(numbers=pasted)).values_list("number", flat=True))
    page = client_of(agent).get("/orders/", {"q": pasted}, HTTP_ACCEPT_LANGUAGE="en")

    assert found == sorted([first.number, second.number, shipped.number, parcel.order.number])
    assert numbers_not_found(pasted, actor=agent) == ["NOPE-0000001"]
    assert page.status_code == 200
    assert sorted(order.number for order in page.context["orders"]) == found
    assert page.context["not_found"] == ["NOPE-0000001"]
    assert "Not found (1):" in page.content.decode() and "NOPE-0000001" in page.content.decode()


def test_a_long_single_term_is_refused_at_the_field_and_the_list_still_shows(agent: Any) -> None:
    place(("TEE", 1))
    page = client_of(agent).get("/orders/", {"q": "x" * 101}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert page.context["form"].errors["q"]
    assert len(page.context["orders"]) == 1


# --- bulk moves --------------------------------------------------------------------------


def test_bulk_approve_reports_each_order_done_or_refused_with_its_reason(agent: Any) -> None:
    """Issue 17 D: each ticked order is approved by its own action; one that cannot be is
    reported with the action's reason, translated, and left untouched."""
    ready = advance(place(("TEE", 1)), "pending_review")
    also_ready = advance(place(("TEE", 1)), "pending_review")
    unpaid = place(("TEE", 1))
    assert unpaid.status == "unpaid"

    answer = client_of(agent).post(
        "/orders/?status=",
        {"action": "approve", "orders": [ready.number, unpaid.number, also_ready.number]},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert answer.status_code == 409
    results = [(r.number, r.ok, r.message) for r in answer.context["bulk_results"]]
    assert results == [
        (ready.number, True, ""),
        (unpaid.number, False, "An order that is “Unpaid” cannot approve."),
        (also_ready.number, True, ""),
    ]
    assert [Order.objects.get(pk=order.pk).status for order in (ready, unpaid, also_ready)] == [
        "approved",
        "unpaid",
        "approved",
    ]
    page = answer.content.decode()
    assert "2 of 3 orders done" in page and "cannot approve" in page
    # the refused order stays ticked, to retry or move otherwise
    assert answer.context["ticked"] == {unpaid.number}
    assert f'value="{unpaid.number}" form="bulk-form" data-select-row checked' in page
    assert f'value="{ready.number}" form="bulk-form" data-select-row aria-label' in page


def test_bulk_refusal_reads_in_chinese_for_a_chinese_reader(agent: Any) -> None:
    unpaid = place(("TEE", 1))
    answer = client_of(agent).post("/orders/", {"action": "approve", "orders": [unpaid.number]})
    [result] = answer.context["bulk_results"]
    assert not result.ok and "待付款" in result.message and "approve" not in result.message


def test_bulk_hold_then_release_all_done_redirects_with_a_message(agent: Any) -> None:
    orders = [advance(place(("TEE", 1)), "pending_review") for _ in range(3)]
    numbers = [order.number for order in orders]
    client = client_of(agent)

    held = client.post("/orders/?shop=main", {"action": "hold", "orders": numbers, "reason": "核对地址"})
    assert held.status_code == 302 and held["Location"] == "/orders/?shop=main"
    assert set(Order.objects.filter(number__in=numbers).values_list("status", flat=True)) == {"on_hold"}

    released = client.post("/orders/", {"action": "release", "orders": numbers, "reason": "已核对"})
    assert released.status_code == 302
    assert set(Order.objects.filter(number__in=numbers).values_list("status", flat=True)) == {"approved"}


def test_bulk_hold_without_a_reason_changes_nothing(agent: Any) -> None:
    order = advance(place(("TEE", 1)), "pending_review")
    before = states()
    answer = client_of(agent).post("/orders/", {"action": "hold", "orders": [order.number]})
    assert answer.status_code == 422
    assert states() == before


def test_bulk_moves_need_the_move_s_permission(warehouse_user: Any) -> None:
    order = advance(place(("TEE", 1)), "pending_review")
    before = states()
    answer = client_of(warehouse_user).post("/orders/", {"action": "approve", "orders": [order.number]})
    assert answer.status_code == 403
    assert states() == before
    # the list offers a warehouse user no bulk move (but printing)
    page = client_of(warehouse_user).get("/orders/")
    assert page.context["bulk_moves"] == []


def test_bulk_assign_gives_orders_to_an_agent_shown_and_filtered_in_the_list(agent: Any, owner: Any) -> None:
    """Issue 17 D: assign the ticked orders to an agent; the list shows and filters by it."""
    xiaomei = make_user("xiaomei", "agent", "小美")
    first, second, other = (place(("TEE", 1)) for _ in range(3))

    answer = client_of(owner).post(
        "/orders/", {"action": "assign", "orders": [first.number, second.number], "assignee": "xiaomei"}
    )

    assert answer.status_code == 302
    assert states() == [
        (first.number, "unpaid", xiaomei.pk),
        (second.number, "unpaid", xiaomei.pk),
        (other.number, "unpaid", None),
    ]
    event = OrderEvent.objects.get(order=first, type="assigned")
    assert (event.actor, event.data) == (owner, {"before": None, "after": xiaomei.pk, "name": "小美"})
    page = client_of(agent).get("/orders/", {"assignee": "xiaomei"}, HTTP_ACCEPT_LANGUAGE="en")
    assert sorted(order.number for order in page.context["orders"]) == sorted([first.number, second.number])
    assert "小美" in page.content.decode()
    nobody = client_of(agent).get("/orders/", {"assignee": "-"})
    assert [order.number for order in nobody.context["orders"]] == [other.number]
    detail = client_of(agent).get(f"/orders/{first.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Assigned to 小美" in detail


def test_assigning_to_someone_who_is_not_staff_changes_nothing(owner: Any) -> None:
    make_user("buyer1", "buyer", "")
    order = place(("TEE", 1))
    before = states()
    answer = client_of(owner).post("/orders/", {"action": "assign", "orders": [order.number], "assignee": "buyer1"})
    assert answer.status_code == 422  # not among the choices
    assert states() == before


# --- export ------------------------------------------------------------------------------


def test_export_writes_the_filtered_list_to_an_xlsx_that_opens(owner: Any) -> None:
    """Issue 17 D: the filtered list (every page, same filters) as an Excel file."""
    first = place(("TEE", 1), external_id="TB-1")
    advance(place(("TEE", 1)), "pending_review")
    third = place(("TEE", 2))

    answer = client_of(owner).get("/orders/export/", {"status": "unpaid"}, HTTP_ACCEPT_LANGUAGE="en")

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in answer["Content-Disposition"] and ".xlsx" in answer["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(answer.streaming_content)), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("Order number", "Platform order number", "Shop", "Placed at", "Status")
    assert [(row[0], row[1], row[4]) for row in rows[1:]] == [
        (third.number, None, "Unpaid"),
        (first.number, "TB-1", "Unpaid"),
    ]
    assert rows[1][11] == float(third.total)


def test_an_export_beyond_the_bound_is_refused_with_a_message(owner: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(order_export, "EXPORT_MAX_ROWS", 1)
    place(("TEE", 1))
    place(("TEE", 1))
    answer = client_of(owner).get("/orders/export/", {"shop": "main"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert answer.redirect_chain == [("/orders/?shop=main", 302)]
    assert "2 orders match; an export holds at most 1: narrow the filters." in answer.content.decode()


def test_an_agent_may_not_export_buyers_data(agent: Any) -> None:
    place(("TEE", 1))
    answer = client_of(agent).get("/orders/export/", follow=True)
    assert answer.redirect_chain and answer.redirect_chain[-1][0] == "/orders/"
    assert client_of(agent).get("/orders/").context["may_export"] is False


# --- saved views -------------------------------------------------------------------------


def test_saved_views_are_per_user_listed_and_deleted(agent: Any, owner: Any) -> None:
    """Issue 17 D: a named set of filters, the user's own, listed as links on the list."""
    client = client_of(agent)
    saved = client.post("/orders/saved-views/", {"name": "我的待办", "query": "status=pending_review&page=3&evil=1"})
    assert saved.status_code == 302 and saved["Location"] == "/orders/?status=pending_review"
    [view] = SavedView.objects.all()
    assert (view.user, view.name, view.query) == (agent, "我的待办", "status=pending_review")

    page = client.get("/orders/").content.decode()
    assert 'href="/orders/?status=pending_review"' in page and "我的待办" in page
    assert "我的待办" not in client_of(owner).get("/orders/").content.decode()
    again = client.post("/orders/saved-views/", {"name": "我的待办", "query": "status=unpaid"}, follow=True)
    assert SavedView.objects.count() == 1 and "我的待办" in again.content.decode()

    assert client_of(owner).post(f"/orders/saved-views/{view.pk}/delete/").status_code == 404
    assert client.post(f"/orders/saved-views/{view.pk}/delete/").status_code == 302
    assert SavedView.objects.count() == 0


# --- printing a selection ----------------------------------------------------------------


def pages(content: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", content))


def test_labels_and_packing_slips_print_for_any_selection_in_one_pdf(agent: Any) -> None:
    """Issue 17 D: the ticked orders' labels or packing slips in one PDF, not only a wave's."""
    carriers()
    parcels = [booked(), booked()]
    no_label = place(("TEE", 1))
    numbers = [parcels[1].order.number, no_label.number, parcels[0].order.number]
    client = client_of(agent)

    slips = client.post("/warehouse/orders/print/", {"print": "packing-slips", "orders": numbers})
    labels = client.post("/warehouse/orders/print/", {"print": "labels", "orders": numbers})

    assert slips.status_code == 200 and slips["Content-Type"] == "application/pdf"
    assert slips["X-Orders-Printed"] == "3" and pages(slips.content) == 3
    assert labels.status_code == 200 and labels["Content-Type"] == "application/pdf"
    assert pages(labels.content) == 3  # two labels and the page naming the order left out
    assert labels["X-Orders-Printed"] == "2"
    assert labels["X-Orders-Left-Out"] == no_label.number


def test_printing_labels_for_orders_without_any_goes_back_with_why(agent: Any) -> None:
    order = place(("TEE", 1))
    answer = client_of(agent).post(
        "/warehouse/orders/print/",
        {"print": "labels", "orders": [order.number], "next": "/orders/?status=unpaid"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert answer.redirect_chain == [("/orders/?status=unpaid", 302)]
    assert "None of these orders has a label yet." in answer.content.decode()


def test_a_user_limited_to_a_shop_exports_prints_and_finds_only_its_orders(owner: Any) -> None:
    """Issue 17 D with A4's shop limits: the export, the printing and the pasted list see
    only the user's shops (another shop's order reads as not found)."""
    from sellerdesk.shops.models import Shop, ShopAccess

    Shop.objects.create(code="second", name="二店")
    mine = place(("TEE", 1))
    theirs = place(("TEE", 1), shop="second")
    ShopAccess.objects.create(user=owner, shop=Shop.objects.get(code="main"))
    client = client_of(owner)

    exported = client.get("/orders/export/")
    rows = list(load_workbook(io.BytesIO(b"".join(exported.streaming_content))).active.iter_rows(values_only=True))
    printed = client.post(
        "/warehouse/orders/print/", {"print": "packing-slips", "orders": [mine.number, theirs.number]}
    )
    listed = client.get("/orders/", {"q": f"{mine.number}, {theirs.number}"})

    assert [row[0] for row in rows[1:]] == [mine.number]
    assert (printed["X-Orders-Printed"], printed["X-Orders-Left-Out"]) == ("1", theirs.number)
    assert [order.number for order in listed.context["orders"]] == [mine.number]
    assert listed.context["not_found"] == [theirs.number]


# --- the API -----------------------------------------------------------------------------


def test_the_bulk_api_answers_per_order(agent_api: Any, agent: Any) -> None:
    """Issue 17 D: POST /api/v1/orders/bulk does one move on many orders, each answered."""
    ready = advance(place(("TEE", 1)), "pending_review")
    unpaid = place(("TEE", 1))

    answer = agent_api.client.post(
        "/api/v1/orders/bulk",
        data={"action": "approve", "orders": [ready.number, unpaid.number, "NOPE"]},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert answer.status_code == 200
    assert answer.json() == {
        "done": 1,
        "refused": 2,
        "results": [
            {"number": ready.number, "ok": True, "code": "", "message": ""},
            {
                "number": unpaid.number,
                "ok": False,
                "code": "invalid_transition",
                "message": "An order that is “Unpaid” cannot approve.",
            },
            {"number": "NOPE", "ok": False, "code": "not_found", "message": "No order NOPE."},
        ],
    }
    assert Order.objects.get(pk=ready.pk).status == "approved" and Order.objects.get(pk=unpaid.pk).status == "unpaid"


def test_the_bulk_api_assigns_and_clears(agent_api: Any, agent: Any) -> None:
    order = place(("TEE", 1))
    assigned = agent_api.post(
        "/api/v1/orders/bulk", {"action": "assign", "orders": [order.number], "assignee": "agent"}
    )
    assert assigned.status_code == 200 and assigned.json()["done"] == 1
    assert Order.objects.get(pk=order.pk).assignee == agent
    # ... and the order's API answer says whom it is assigned to.
    assert agent_api.get(f"/api/v1/orders/{order.number}").json()["assignee"] == "agent"
    assert agent_api.get(f"/api/v1/orders?numbers={order.number}").json()["items"][0]["assignee"] == "agent"
    cleared = agent_api.post("/api/v1/orders/bulk", {"action": "assign", "orders": [order.number], "assignee": None})
    assert cleared.json()["done"] == 1 and Order.objects.get(pk=order.pk).assignee is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"action": "hold", "orders": ["X"]}, 422),  # a hold needs a reason
        ({"action": "ship", "orders": ["X"]}, 422),
        ({"action": "approve", "orders": []}, 422),
        ({"action": "approve", "orders": ["X"] * 501}, 422),
        ({"action": "assign", "orders": ["X"], "assignee": "nobody-here"}, 422),
        ({"action": "approve", "orders": ["X"], "extra": 1}, 422),
    ],
)
def test_a_bad_bulk_request_is_refused_whole_and_changes_nothing(agent_api: Any, body: Any, status: int) -> None:
    place(("TEE", 1))
    before = states()
    assert agent_api.post("/api/v1/orders/bulk", body).status_code == status
    assert states() == before


def test_the_bulk_api_needs_the_move_s_permission(warehouse_user: Any) -> None:
    from tests.conftest import ApiClient
    from tests.factories import make_token

    order = advance(place(("TEE", 1)), "pending_review")
    answer = ApiClient(make_token(warehouse_user)).post(
        "/api/v1/orders/bulk", {"action": "approve", "orders": [order.number]}
    )
    assert answer.status_code == 403 and Order.objects.get(pk=order.pk).status == "pending_review"


def test_the_documents_api_prints_any_orders_in_one_pdf(agent_api: Any) -> None:
    carriers()
    parcel = booked()
    no_label = place(("TEE", 1))
    slips = agent_api.post(
        "/api/v1/orders/documents", {"kind": "packing-slips", "orders": [parcel.order.number, no_label.number]}
    )
    labels = agent_api.post(
        "/api/v1/orders/documents", {"kind": "labels", "orders": [parcel.order.number, no_label.number]}
    )
    none = agent_api.post("/api/v1/orders/documents", {"kind": "labels", "orders": [no_label.number]})
    assert slips.status_code == 200 and pages(slips.content) == 2
    assert labels.status_code == 200 and labels["X-Orders-Left-Out"] == no_label.number and pages(labels.content) == 2
    assert none.status_code == 422


def test_the_order_list_api_takes_a_pasted_list_and_an_assignee(agent_api: Any, agent: Any) -> None:
    first = place(("TEE", 1), external_id="TB-77")
    second = place(("TEE", 1))
    place(("TEE", 1))
    listed = agent_api.get("/api/v1/orders", numbers=f"TB-77\n{second.number}")
    assert sorted(item["number"] for item in listed.json()["items"]) == sorted([first.number, second.number])
    Order.objects.filter(pk=first.pk).update(assignee=agent)
    mine = agent_api.get("/api/v1/orders", assignee="agent")
    assert [item["number"] for item in mine.json()["items"]] == [first.number]


def test_the_order_list_api_refuses_more_than_200_numbers(agent_api: Any) -> None:
    answer = agent_api.get("/api/v1/orders", numbers=",".join(f"N{index:07d}" for index in range(201)))
    assert answer.status_code == 422 and "numbers" in str(answer.json())
    assert agent_api.get("/api/v1/orders", numbers=",".join(f"N{index:07d}" for index in range(200))).status_code == 200


def test_a_pasted_list_of_more_than_200_numbers_is_refused_at_the_field(agent: Any) -> None:
    repeated = ",".join(f"N{index:07d}" for index in range(150)) + "," + ",".join(["N0000001"] * 100)
    too_many = ",".join(f"N{index:07d}" for index in range(201))
    assert client_of(agent).get("/orders/", {"q": repeated}).status_code == 200
    page = client_of(agent).get("/orders/", {"q": too_many}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and page.context["form"].errors["q"] == ["At most 200 numbers at once."]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_selection_s_labels_read_back_with_the_orders_left_out(agent: Any, tmp_path: Any, language: str) -> None:
    """Issue 17 D (and C's check of printed labels): the selection's labels PDF holds each
    booked parcel's label, then names the order without one."""
    from tests.support.pdf_text import assert_labels, pdf_text

    carriers()
    parcel = booked()
    no_label = place(("TEE", 1))
    answer = client_of(agent).post(
        "/warehouse/orders/print/",
        {"print": "labels", "orders": [parcel.order.number, no_label.number]},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    text = pdf_text(answer.content, tmp_path)
    left_out = "Not printed (no label yet): 1" if language == "en" else no_label.number
    assert_labels(text, [parcel.tracking_number, no_label.number, left_out])


def test_a_nul_in_an_assignee_finds_nobody_and_is_refused_in_bulk(agent_api: Any) -> None:
    """A NUL (which PostgreSQL refuses in a string) is no one's username: no 500."""
    order = place(("TEE", 1))
    listed = agent_api.get("/api/v1/orders", assignee="a\x00b")
    assert (listed.status_code, listed.json().get("count", 0)) in {(200, 0), (400, 0), (422, 0)}
    answer = agent_api.post("/api/v1/orders/bulk", {"action": "assign", "orders": [order.number], "assignee": "a\x00b"})
    assert answer.status_code == 422


def test_all_orders_the_filters_select_are_moved_and_printed_not_only_this_page(agent: Any, settings: Any) -> None:
    """Issue 17 D: "all matching" runs the move on every page's orders the filters select."""
    settings.ORDERS_PAGE_SIZE = 2
    pending = [advance(place(("TEE", 1)), "pending_review") for _ in range(3)]
    unpaid = place(("TEE", 1))
    client = client_of(agent)
    page = client.get("/orders/", {"status": "pending_review"})
    assert len(page.context["orders"]) == 2 and 'data-testid="all-matching"' in page.content.decode()

    printed = client.post(
        "/warehouse/orders/print/", {"print": "packing-slips", "all_matching": "1", "query": "status=pending_review"}
    )
    moved = client.post("/orders/?status=pending_review", {"action": "approve", "all_matching": "1"})

    assert printed["X-Orders-Printed"] == "3" and pages(printed.content) == 3
    assert moved.status_code == 302
    assert [Order.objects.get(pk=order.pk).status for order in [*pending, unpaid]] == [
        "approved",
        "approved",
        "approved",
        "unpaid",
    ]


def test_all_matching_beyond_the_bound_is_refused_whole(agent: Any, monkeypatch: Any) -> None:
    from sellerdesk.orders import bulk, views

    monkeypatch.setattr(bulk, "BULK_MAX", 2)
    monkeypatch.setattr(views, "BULK_MAX", 2)
    for _ in range(3):
        advance(place(("TEE", 1)), "pending_review")
    before = states()
    answer = client_of(agent).post("/orders/", {"action": "approve", "all_matching": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 422 and "at most 2 orders at once" in answer.content.decode()
    assert states() == before

"""The stock screens: each renders, and each form calls its action (or shows the refusal)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sellerdesk.catalog.models import Sku
from sellerdesk.inventory import actions
from sellerdesk.inventory.models import (
    Bin,
    StockCount,
    StockCountStatus,
    StockLevel,
    Transfer,
    TransferStatus,
    Warehouse,
)
from tests.factories import make_user
from tests.inventory.conftest import HookCalls, bins_of, figures, snapshot


@pytest.fixture
def browser(db: Any) -> Client:
    client = Client()
    client.force_login(make_user("boss", "owner", "老板"))
    return client


def test_every_page_renders(browser: Client, tee: Sku, main: Warehouse, guangzhou: Warehouse) -> None:
    actions.set_reorder_point(sku=tee, warehouse=main, reorder_point=20, actor=None)
    count = actions.start_count(warehouse=main, actor=None)
    transfer = actions.create_transfer(from_warehouse=main, to_warehouse=guangzhou, lines=[(tee, 1)], actor=None)
    for path in (
        "/stock/",
        "/stock/?q=TEE&low=on",
        f"/stock/?warehouse={main.code}",
        "/stock/movements/?sku=TEE-RED-M",
        "/stock/warehouses/",
        "/stock/warehouses/main/",
        "/stock/counts/",
        f"/stock/counts/{count.number}/",
        "/stock/transfers/",
        f"/stock/transfers/{transfer.number}/",
    ):
        answer = browser.get(path)
        assert answer.status_code == 200, path
    overview = browser.get("/stock/?q=TEE").content.decode()
    assert "TEE-RED-M" in overview
    assert 'class="low"' in overview


def test_unknown_documents_are_404(browser: Client, main: Warehouse) -> None:
    assert browser.get("/stock/counts/PD1/").status_code == 404
    assert browser.get("/stock/transfers/DB1/").status_code == 404
    assert browser.get("/stock/warehouses/nowhere/").status_code == 404


def test_a_count_through_the_forms(browser: Client, tee: Sku, main: Warehouse) -> None:
    started = browser.post("/stock/counts/", {"warehouse": "main", "skus": "TEE-RED-M", "bins": "", "note": ""})
    count = StockCount.objects.get()
    assert started.status_code == 302
    line = count.lines.get()
    before = snapshot()
    browser.post(f"/stock/counts/{count.number}/enter/", {f"counted-{line.pk}": "-2"})
    assert snapshot() == before
    browser.post(f"/stock/counts/{count.number}/enter/", {f"counted-{line.pk}": "8"})
    page = browser.get(f"/stock/counts/{count.number}/").content.decode()
    assert "10 → 8" in page
    browser.post(f"/stock/counts/{count.number}/post/")
    count.refresh_from_db()
    assert count.status == StockCountStatus.POSTED
    assert figures(tee, main) == (8, 0, 0, 0)


def test_a_transfer_through_the_forms(
    browser: Client, tee: Sku, main: Warehouse, guangzhou: Warehouse, hooks: HookCalls
) -> None:
    browser.post(
        "/stock/transfers/",
        {"from_warehouse": "main", "to_warehouse": "gz", "lines": "TEE-RED-M 3", "for_order": "", "note": ""},
    )
    transfer = Transfer.objects.get()
    browser.post(f"/stock/transfers/{transfer.number}/ship/")
    browser.post(f"/stock/transfers/{transfer.number}/receive/")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED
    assert figures(tee, guangzhou) == (3, 0, 0, 0)
    assert browser.post(f"/stock/transfers/{transfer.number}/explode/").status_code == 404


def test_a_transfer_is_received_in_part_into_several_bins_from_its_page(
    browser: Client, tee: Sku, main: Warehouse, guangzhou: Warehouse
) -> None:
    """Issue 17 C: the transfer page receives what arrived (in part) into several bins."""
    Bin.objects.create(warehouse=guangzhou, code="GZ-A")
    Bin.objects.create(warehouse=guangzhou, code="GZ-B")
    transfer = actions.create_transfer(from_warehouse=main, to_warehouse=guangzhou, lines=[(tee, 6)], actor=None)
    actions.ship_transfer(transfer=transfer, actor=None)
    line = transfer.lines.get()
    page = browser.get(f"/stock/transfers/{transfer.number}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'name="received-{line.pk}"' in page and f'name="bins-{line.pk}"' in page and "0 of 6 received" in page

    answer = browser.post(
        f"/stock/transfers/{transfer.number}/receive/",
        {f"received-{line.pk}": "4", f"bins-{line.pk}": "GZ-A:3, GZ-B"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )

    transfer.refresh_from_db()
    assert (transfer.status, transfer.lines.get().received) == (TransferStatus.SHIPPED, 4)
    assert bins_of(tee, guangzhou) == {"GZ-A": 3, "GZ-B": 1}
    assert "received in part; the rest is still in transit" in answer.content.decode()
    assert "4 of 6 received" in answer.content.decode()

    refused = browser.post(
        f"/stock/transfers/{transfer.number}/receive/",
        {f"received-{line.pk}": "2", f"bins-{line.pk}": "NOWHERE:2"},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "no bin NOWHERE:2 here" in refused.content.decode()
    assert transfer.lines.get().received == 4

    browser.post(
        f"/stock/transfers/{transfer.number}/receive/", {f"received-{line.pk}": "2", f"bins-{line.pk}": "GZ-B"}
    )
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED
    assert bins_of(tee, guangzhou) == {"GZ-A": 3, "GZ-B": 3}


def test_a_refused_transfer_shows_why_and_creates_nothing(browser: Client, tee: Sku, main: Warehouse) -> None:
    before = snapshot()
    answer = browser.post(
        "/stock/transfers/",
        {"from_warehouse": "main", "to_warehouse": "main", "lines": "TEE-RED-M 3", "for_order": "", "note": ""},
        follow=True,
    )
    assert answer.status_code == 200
    assert "msg-error" in answer.content.decode()
    assert snapshot() == before


def test_warehouse_edit_and_bins(browser: Client, tee: Sku, main: Warehouse) -> None:
    browser.post(
        "/stock/warehouses/main/",
        {"name": "上海仓", "priority": "5", "regions": ["上海市", "浙江省"], "is_default": "on", "is_active": "on"},
    )
    main.refresh_from_db()
    assert (main.name, main.priority, main.regions) == ("上海仓", 5, ["上海市", "浙江省"])
    browser.post("/stock/warehouses/main/bins/", {"codes": "A-01..A-03", "zone": "A"})
    assert list(main.bins.values_list("code", flat=True)) == ["A-01", "A-02", "A-03"]
    browser.post(
        "/stock/warehouses/main/putaway/", {"sku": "TEE-RED-M", "bin": "A-02", "from_bin": "", "quantity": "4"}
    )
    assert list(main.bins.filter(stock__quantity__gt=0).values_list("code", "stock__quantity")) == [("A-02", 4)]


def test_a_reorder_point_is_set_from_the_stock_list(browser: Client, main: Any, tee: Any) -> None:
    page = browser.get("/stock/")
    assert 'action="/stock/reorder-point/"' in page.content.decode()

    response = browser.post(
        "/stock/reorder-point/",
        {"sku": tee.code, "warehouse": main.code, "reorder_point": "8", "reorder_quantity": "30", "query": "q=TEE"},
    )

    assert (response.status_code, response["Location"]) == (302, "/stock/?q=TEE")
    level = StockLevel.objects.get(sku=tee, warehouse=main)
    assert (level.reorder_point, level.reorder_quantity) == (8, 30)


@pytest.mark.parametrize(
    "form",
    [{"reorder_point": "-1"}, {"reorder_point": "eight"}, {"sku": "NOPE", "reorder_point": "3"}],
)
def test_a_bad_reorder_point_from_the_stock_list_changes_nothing(
    browser: Client, main: Any, tee: Any, form: dict[str, str]
) -> None:
    response = browser.post("/stock/reorder-point/", {"sku": tee.code, "warehouse": main.code, **form})

    assert response.status_code == 302
    assert list(StockLevel.objects.exclude(reorder_point=None)) == []


def test_the_transfer_pages_name_the_warehouses_not_a_date_range(
    browser: Client, tee: Sku, main: Warehouse, guangzhou: Warehouse
) -> None:
    """Issue 17 C: a transfer's "From"/"To" read as the date range's 起始日期/截止日期."""
    transfer = actions.create_transfer(from_warehouse=main, to_warehouse=guangzhou, lines=[(tee, 1)], actor=None)
    for url in ("/stock/transfers/", f"/stock/transfers/{transfer.number}/"):
        chinese = browser.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert "起始日期" not in chinese and "截止日期" not in chinese
        assert "调出仓库" in chinese and "调入仓库" in chinese


def test_bins_refused_are_named_by_the_fields_labels(main: Warehouse) -> None:
    """Issue 17 D (walkthrough): a refused bin range read "route_order: Ensure this value is
    greater than or equal to 0." — the field's code; the message names its label."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("boss", "owner", "老板"))

    answer = client.post("/stock/warehouses/main/bins/", {"codes": "A-01", "route_order": "-1"}, follow=True)

    text = answer.content.decode()
    assert "First route order: Ensure this value is greater than or equal to 0." in text
    assert "route_order:" not in text


def test_a_refused_bin_range_or_move_is_shown_again_as_typed(main: Warehouse, tee: Sku) -> None:
    """Issue 17 D (walkthrough): a refused bin range sent the page back empty; the range,
    zone and route order typed (and a refused move's fields) are kept, with the reason."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("boss", "owner", "老板"))
    actions.create_bins(warehouse=main, codes="A-01..A-02", zone="A", route_order=None, actor=None)

    refused = client.post("/stock/warehouses/main/bins/", {"codes": "B-01..B-40", "zone": "B", "route_order": "-1"})
    taken = client.post("/stock/warehouses/main/bins/", {"codes": "A-02..A-05", "zone": "A", "route_order": "7"})
    moved = client.post(
        "/stock/warehouses/main/putaway/", {"sku": tee.code, "bin": "Z-99", "from_bin": "", "quantity": "3"}
    )

    assert refused.status_code == taken.status_code == moved.status_code == 422
    form = refused.context["bins_form"]
    assert (form["codes"].value(), form["zone"].value(), form["route_order"].value()) == ("B-01..B-40", "B", "-1")
    assert 'value="B-01..B-40"' in refused.content.decode()
    assert "First route order: Ensure this value is greater than or equal to 0." in refused.content.decode()
    assert taken.context["bins_form"]["codes"].value() == "A-02..A-05"
    assert "msg-error" in taken.content.decode()
    assert (moved.context["putaway_form"]["bin"].value(), moved.context["putaway_form"]["quantity"].value()) == (
        "Z-99",
        "3",
    )
    assert list(main.bins.values_list("code", flat=True)) == ["A-01", "A-02"]

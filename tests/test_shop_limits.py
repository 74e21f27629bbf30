"""Issue 17 A4: a staff user (or API token) limited to shops sees and acts on only their
shops' orders, customers, cases, conversations, reminders, marketplace files and figures;
another shop's object is "not found" (404). An unlimited user still sees every shop."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sellerdesk.aftersales import actions as aftersales
from sellerdesk.aftersales.actions import LineRequest
from sellerdesk.core.models import User
from sellerdesk.core.tokens import create_token
from sellerdesk.crm.search import search_everything
from sellerdesk.logistics.models import Carrier, LogisticsException, Shipment
from sellerdesk.notifications.models import OutgoingMessage
from sellerdesk.orders import actions as order_actions
from sellerdesk.ratings.models import Rating
from sellerdesk.service import conversations
from sellerdesk.shops.access import set_user_shops
from sellerdesk.shops.models import Shop, default_shop
from tests.aftersales.builders import delivered_order
from tests.conftest import ApiClient
from tests.factories import make_sku, make_user, place

PHONE = "13912345678"


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """The same buyer (one phone) in two shops: an order, a case and a conversation each."""
    here = default_shop()
    there = Shop.objects.create(code="jd-store", name="京东店")
    make_sku("TEE", stock=100)
    made: dict[str, Any] = {"here": here, "there": there}
    for name, shop in (("here", here), ("there", there)):
        order = delivered_order(("TEE", 1), buyer=order_actions.Buyer("王小丽", PHONE, "xiaoli"), shop=shop.code)
        made[f"{name}_order"] = order
        made[f"{name}_case"] = aftersales.open_case(
            order=order,
            type="return_refund",
            reason="quality",
            lines=[LineRequest(order.lines.get().pk, 1)],
            actor=None,
        )
        made[f"{name}_chat"] = conversations.open_conversation(
            shop=shop, channel="web", customer=order.customer, contact=PHONE, contact_name="王小丽"
        )
    return made


@pytest.fixture
def limited(world: dict[str, Any]) -> User:
    """An agent limited to the default shop ("here")."""
    user = make_user("limited", "agent")
    set_user_shops(user=user, shops=[world["here"]])
    return user


@pytest.fixture
def unlimited(world: dict[str, Any]) -> User:
    return make_user("everyshop", "agent")


def _web(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _api(user: User, shops: list[Shop] | None = None) -> ApiClient:
    return ApiClient(create_token(user=user, shops=shops or []).raw)


def test_search_finds_only_the_visible_shops(world: dict[str, Any], limited: User, unlimited: User) -> None:
    """Issue 17 A4: the top-bar search (page and API) finds nothing of another shop."""
    mine = search_everything(q=PHONE[-4:], actor=limited)
    assert [o.number for o in mine.groups["orders"].items] == [world["here_order"].number]
    assert [c.shop_id for c in mine.groups["customers"].items] == [world["here"].pk]
    assert [c.number for c in mine.groups["cases"].items] == [world["here_case"].number]
    assert [c.pk for c in mine.groups["conversations"].items] == [world["here_chat"].pk]
    # Another shop's order number is not an exact hit either: it is not found at all.
    theirs = search_everything(q=world["there_order"].number, actor=limited)
    assert theirs.total == 0
    assert theirs.exact_order is None

    everything = search_everything(q=PHONE[-4:], actor=unlimited)
    assert len(everything.groups["orders"].items) == 2
    assert len(everything.groups["cases"].items) == 2
    assert len(everything.groups["conversations"].items) == 2

    page = _web(limited).get("/search/", {"q": PHONE[-4:]})
    assert world["here_order"].number in page.content.decode()
    assert world["there_order"].number not in page.content.decode()
    answer = _api(unlimited, shops=[world["here"]]).get(f"/api/v1/search?q={PHONE[-4:]}").json()
    assert [o["number"] for o in answer["orders"]["items"]] == [world["here_order"].number]


def test_after_sales_shows_and_acts_only_on_the_visible_shops(
    world: dict[str, Any], limited: User, unlimited: User
) -> None:
    """Issue 17 A4: the after-sales queue, case page and API: another shop's case is 404."""
    here, there = world["here_case"].number, world["there_case"].number
    web = _web(limited)
    queue = web.get("/aftersales/", {"status": "all"}).content.decode()
    assert here in queue
    assert there not in queue
    assert web.get(f"/aftersales/cases/{here}/").status_code == 200
    assert web.get(f"/aftersales/cases/{there}/").status_code == 404
    assert web.post(f"/aftersales/cases/{there}/do/note/", {"text": "x"}).status_code == 404

    api = _api(limited)
    assert [c["number"] for c in api.get("/api/v1/aftersales/cases?status=all").json()["items"]] == [here]
    assert api.get(f"/api/v1/aftersales/cases/{there}").status_code == 404
    assert api.post(f"/api/v1/aftersales/cases/{there}/notes", {"text": "x"}).status_code == 404
    bulk = api.post("/api/v1/aftersales/bulk/reject", {"cases": [there], "reason": "no"}).json()
    assert bulk["done"] == []
    assert there in bulk["refused"]
    opened = api.post(
        "/api/v1/aftersales/cases",
        {"order": world["there_order"].number, "type": "complaint", "reason": "service"},
    )
    assert opened.status_code == 422

    # A token limited to a shop narrows an unlimited user the same way.
    token = _api(unlimited, shops=[world["there"]])
    assert token.get(f"/api/v1/aftersales/cases/{here}").status_code == 404
    assert token.get(f"/api/v1/aftersales/cases/{there}").status_code == 200
    everything = _api(unlimited).get("/api/v1/aftersales/cases?status=all").json()
    assert {c["number"] for c in everything["items"]} == {here, there}
    assert _web(unlimited).get(f"/aftersales/cases/{there}/").status_code == 200


def test_reminders_show_and_act_only_on_the_visible_shops(
    world: dict[str, Any], limited: User, unlimited: User
) -> None:
    """Issue 17 A4: payment reminders (queue, report, API): another shop's is 404."""
    from sellerdesk.reminders import actions as reminders

    made: dict[str, Any] = {}
    for name in ("here", "there"):
        order = place(("TEE", 1), shop=world[name].code)
        made[name] = reminders.remind_order(order=order, channel="phone", actor=unlimited)
        made[f"{name}_order"] = order.number

    api = _api(limited)
    assert [r["order"] for r in api.get("/api/v1/reminders").json()] == [made["here_order"]]
    assert api.get(f"/api/v1/reminders/{made['there'].pk}").status_code == 404
    assert api.post(f"/api/v1/reminders/{made['there'].pk}/done", {}).status_code == 404
    assert api.post(f"/api/v1/orders/{made['there_order']}/remind", {"channel": "im"}).status_code == 404
    assert api.get(f"/api/v1/shops/{world['there'].code}/reminder-settings").status_code in (403, 404)
    page = _web(limited).get("/reminders/", {"who": "all"}).content.decode()
    assert made["here_order"] in page
    assert made["there_order"] not in page

    everything = _api(unlimited).get("/api/v1/reminders").json()
    assert {r["order"] for r in everything} == {made["here_order"], made["there_order"]}
    assert _api(unlimited).get(f"/api/v1/reminders/{made['there'].pk}").status_code == 200


def test_the_service_desk_shows_and_acts_only_on_the_visible_shops(
    world: dict[str, Any], limited: User, unlimited: User
) -> None:
    """Issue 17 A4: conversations belong to a shop: another shop's is 404 on the desk and
    in the API, and the inbox lists only the visible shops'."""
    here, there = world["here_chat"].pk, world["there_chat"].pk
    api = _api(limited)
    assert [c["id"] for c in api.get("/api/v1/service/conversations", view="all").json()] == [here]
    assert api.get(f"/api/v1/service/conversations/{there}").status_code == 404
    assert api.post(f"/api/v1/service/conversations/{there}/notes", {"body": "x"}).status_code == 404
    assert api.get(f"/api/v1/service/conversations/{here}").status_code == 200
    web = _web(limited)
    assert web.get(f"/service/c/{there}/").status_code == 404
    assert web.get(f"/service/c/{here}/").status_code == 200

    everything = _api(unlimited).get("/api/v1/service/conversations", view="all").json()
    assert {c["id"] for c in everything} == {here, there}
    assert _api(unlimited, shops=[world["here"]]).get(f"/api/v1/service/conversations/{there}").status_code == 404
    assert _web(unlimited).get(f"/service/c/{there}/").status_code == 200


def test_marketplace_imports_and_the_bulk_ship_file_only_of_the_visible_shops(
    world: dict[str, Any], limited: User, unlimited: User
) -> None:
    """Issue 17 A4: marketplace imports (list, page, commit, API) and the bulk-ship file:
    another shop's is not found; the upload and export forms offer only visible shops."""
    from django.utils import timezone

    from sellerdesk.marketplaces.models import ImportStatus, OrderImport

    tmall = Shop.objects.create(code="tmall", name="天猫店", platform="tmall")
    imports = {
        name: OrderImport.objects.create(
            shop=shop,
            layout="taobao",
            status=ImportStatus.PREVIEWED,
            file_name=f"{name}.csv",
            created_at=timezone.now(),
        )
        for name, shop in (("here", world["here"]), ("there", tmall))
    }
    mine, theirs = imports["here"].pk, imports["there"].pk

    api = _api(limited)
    assert [i["id"] for i in api.get("/api/v1/marketplace-imports").json()["items"]] == [mine]
    assert api.get(f"/api/v1/marketplace-imports/{theirs}").status_code == 404
    assert api.post(f"/api/v1/marketplace-imports/{theirs}/discard", {}).status_code == 404
    assert api.get("/api/v1/shops/tmall/bulk-ship-file", date="2026-12-01").status_code == 404
    web = _web(limited)
    assert web.get(f"/marketplaces/imports/{theirs}/").status_code == 404
    assert web.get(f"/marketplaces/imports/{mine}/").status_code == 200
    listing = web.get("/marketplaces/").content.decode()
    assert "here.csv" in listing
    assert "there.csv" not in listing
    assert "天猫店" not in web.get("/marketplaces/bulk-ship/").content.decode()
    assert OrderImport.objects.get(pk=theirs).status == ImportStatus.PREVIEWED

    everything = _api(unlimited).get("/api/v1/marketplace-imports").json()
    assert {i["id"] for i in everything["items"]} == {mine, theirs}
    assert _api(unlimited).get("/api/v1/shops/tmall/bulk-ship-file", date="2026-12-01").status_code == 200
    assert "天猫店" in _web(unlimited).get("/marketplaces/bulk-ship/").content.decode()


def test_the_dashboard_counts_and_offers_only_the_visible_shops(db: Any) -> None:
    """Issue 17 A4: the dashboards' figures are of the visible shops only, their shop
    filter lists only those, and asking for another shop is refused like an unknown one."""
    from sellerdesk.analytics.dashboard import build_dashboard, parse_query
    from sellerdesk.core.errors import ValidationFailed
    from tests.analytics.dashboard_data import fill_facts

    fill_facts()
    main = Shop.objects.get(code="main")
    limited = make_user("limited-boss", "owner")
    set_user_shops(user=limited, shops=[main])
    unlimited = make_user("every-boss", "owner")
    query = parse_query(start="2026-03-02", end="2026-03-04")

    def placed(actor: User) -> Any:
        dashboard = build_dashboard(actor=actor, query=query)
        total = next(s for s in dashboard.series if s.metric.code == "orders_placed").total
        return (
            total,
            [line.name for line in dashboard.by_shop],
            sorted((r.count, r.previous) for r in dashboard.reasons if r.count or r.previous),
        )

    assert placed(limited) == (15, ["Main shop"], [(0, 1)])
    assert placed(unlimited) == (20, ["Main shop", "Second shop"], [(1, 0), (3, 1)])
    with pytest.raises(ValidationFailed):
        parse_query(start="2026-03-02", end="2026-03-04", shop="second", actor=limited)
    assert parse_query(shop="second", actor=unlimited).shop is not None

    page = _web(limited).get("/dashboard/", {"start": "2026-03-02", "end": "2026-03-04"}).content.decode()
    assert "Main shop" in page
    assert "Second shop" not in page
    answer = _api(unlimited, shops=[main]).get("/api/v1/dashboard", start="2026-03-02", end="2026-03-04").json()
    assert [line["name"] for line in answer["by_shop"]] == ["Main shop"]
    assert "Second shop" in _web(unlimited).get("/dashboard/").content.decode()


def test_customers_show_only_the_visible_shops(world: dict[str, Any]) -> None:
    """Issue 17 A4: a customer belongs to one shop: another shop's customer is 404 on the
    customer page and in the API, the lists leave it out, and "the same buyer in other
    shops" names only shops the user may see."""
    here, there = world["here_order"].customer, world["there_order"].customer
    owner = make_user("limited-owner", "owner")
    set_user_shops(user=owner, shops=[world["here"]])
    web = _web(owner)
    assert web.get(f"/customers/{there.pk}/").status_code == 404
    page = web.get(f"/customers/{here.pk}/")
    assert page.status_code == 200
    assert "京东店" not in page.content.decode()  # the same buyer in the other shop: not shown
    listing = web.get("/customers/").content.decode()
    assert f"/customers/{here.pk}/" in listing
    assert f"/customers/{there.pk}/" not in listing

    api = _api(owner)
    assert api.get(f"/api/v1/customers/{there.pk}").status_code == 404
    assert api.get(f"/api/v1/customers/{there.pk}/profile").status_code == 404
    assert [c["id"] for c in api.get("/api/v1/customers").json()["items"]] == [here.pk]
    assert api.get(f"/api/v1/customers/{here.pk}/same-buyer").json()["customers"] == []
    merged = api.post("/api/v1/customers/merge", {"keep": here.pk, "duplicates": [there.pk], "reason": "same"})
    assert merged.status_code == 422

    every_owner = make_user("every-owner", "owner")
    everyone = _api(every_owner)
    assert {c["id"] for c in everyone.get("/api/v1/customers").json()["items"]} == {here.pk, there.pk}
    assert [c["id"] for c in everyone.get(f"/api/v1/customers/{here.pk}/same-buyer").json()["customers"]] == [there.pk]
    assert _web(every_owner).get(f"/customers/{there.pk}/").status_code == 200
    # The customer groups' counts (one query) count only the visible shops' customers.
    from sellerdesk.crm.segments import live_counts

    assert live_counts(segments=[], actor=owner)[1]["bought"] == 1
    assert live_counts(segments=[], actor=every_owner)[1]["bought"] == 2


def test_ratings_list_only_the_visible_shops(world: dict[str, Any], limited: User, unlimited: User) -> None:
    for name in ("here", "there"):
        Rating.objects.create(
            order=world[f"{name}_order"], side="buyer", score="good", comment=f"{name} 很好", rated_at=timezone.now()
        )

    for user, seen in ((limited, {"here 很好"}), (unlimited, {"here 很好", "there 很好"})):
        assert {rating["comment"] for rating in _api(user).get("/api/v1/ratings").json()} == seen
        page = _web(user).get("/ratings/").content.decode()
        assert ("there 很好" in page) == ("there 很好" in seen) and "here 很好" in page
    # a token limited to the other shop narrows even an unlimited user
    assert {r["comment"] for r in _api(unlimited, [world["there"]]).get("/api/v1/ratings").json()} == {"there 很好"}
    assert _api(limited).get(f"/api/v1/orders/{world['there_order'].number}/ratings").status_code == 404


def test_the_parcel_problem_desk_shows_and_acts_only_on_the_visible_shops(
    world: dict[str, Any], limited: User, unlimited: User
) -> None:
    problems = {}
    carrier = Carrier.objects.get_or_create(code="SF", defaults={"name": "顺丰速运"})[0]
    for name in ("here", "there"):
        order = world[f"{name}_order"]
        shipment = Shipment.objects.create(
            order=order, carrier=carrier, tracking_number=f"SF{order.number}", status="lost", created_at=timezone.now()
        )
        problems[name] = LogisticsException.objects.create(
            shipment=shipment,
            order=order,
            kind="lost",
            detail=f"{name} 丢件",
            suggestion="",
            detected_at=timezone.now(),
        )
    there = problems["there"].pk

    listed = {problem["id"] for problem in _api(limited).get("/api/v1/logistics/exceptions").json()}
    assert listed == {problems["here"].pk}
    assert len(_api(unlimited).get("/api/v1/logistics/exceptions").json()) == 2
    desk = _web(limited).get("/logistics/exceptions/").content.decode()
    assert "here 丢件" in desk and "there 丢件" not in desk
    # acting on another shop's problem: not found, and nothing changes
    api = _api(limited)
    assert api.post(f"/api/v1/logistics/exceptions/{there}/contact", {"text": "您好"}).status_code == 404
    resolved = api.post(f"/api/v1/logistics/exceptions/{there}/resolve", {"outcome": "wait", "note": "等"})
    assert resolved.status_code == 404
    assigned = api.post("/api/v1/logistics/exceptions/assign", {"ids": [there], "assignee": "limited"})
    assert assigned.status_code == 422
    _web(limited).post("/logistics/exceptions/assign/", {"ids": [str(there)], "assignee": "limited"})
    _web(limited).post(f"/logistics/exceptions/{there}/resolve/", {"outcome": "wait", "note": "等"})
    problems["there"].refresh_from_db()
    assert (problems["there"].assignee_id, problems["there"].contacted_at, problems["there"].closed_at) == (
        None,
        None,
        None,
    )


def test_the_outbox_shows_only_the_visible_shops_messages(world: dict[str, Any], limited: User) -> None:
    made = {}
    for name in ("here", "there"):
        order = world[f"{name}_order"]
        made[name] = OutgoingMessage.objects.create(
            order=order, shop=order.shop, channel="sms", recipient=PHONE, kind="paid", text=f"{name} 付款成功"
        )
    made["supplier"] = OutgoingMessage.objects.create(
        channel="email", recipient="factory@example.com", kind="purchase_order", text="采购单"
    )
    api = _api(limited)

    listed = {message["id"] for message in api.get("/api/v1/notifications/messages").json()["items"]}
    assert {made["here"].pk, made["supplier"].pk} <= listed and made["there"].pk not in listed
    assert not OutgoingMessage.objects.filter(pk__in=listed, shop=world["there"]).exists()
    assert api.get(f"/api/v1/notifications/messages/{made['there'].pk}").status_code == 404
    assert api.post(f"/api/v1/notifications/messages/{made['there'].pk}/resend").status_code == 404
    page = _web(limited).get("/notifications/").content.decode()
    assert f'/notifications/messages/{made["here"].pk}/"' in page
    assert f'/notifications/messages/{made["there"].pk}/"' not in page
    assert _web(limited).get(f"/notifications/messages/{made['there'].pk}/").status_code == 404
    everything = _api(make_user("boss", "owner")).get("/api/v1/notifications/messages").json()["items"]
    assert made["there"].pk in {message["id"] for message in everything}


def test_the_after_sales_shop_filters_offer_only_the_visible_shops(
    world: dict[str, Any], limited: User, unlimited: User
) -> None:
    """The queue's and the figures' shop filter listed every shop (choosing another shop
    found nothing): now only the shops the user may see."""
    here, there = world["here"], world["there"]
    for path in ("/aftersales/", "/aftersales/figures/"):
        offered = _web(limited).get(path).context["form"].fields["shop"].choices
        assert [value for value, _label in offered] == ["", str(here.pk)], path
        everything = _web(unlimited).get(path).context["form"].fields["shop"].choices
        assert {value for value, _label in everything} == {"", str(here.pk), str(there.pk)}, path
    # Another shop's id typed into the address is not a choice: the queue shows the user's.
    queue = _web(limited).get("/aftersales/", {"shop": str(there.pk)})
    assert queue.status_code == 200
    assert queue.context["form"].errors["shop"]

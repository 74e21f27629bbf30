"""The staff screens of marketplace order files: the list with its upload form, one
import's preview (counts, refused rows with line and reason, planned changes), commit and
discard, the polled panel, the refused rows' CSV and the bulk-ship form."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sellerdesk.logistics.models import Carrier
from sellerdesk.marketplaces import importing
from sellerdesk.marketplaces.models import ImportStatus, OrderImport
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop
from tests.api.helpers import advance, default_shop  # noqa: F401  (autouse)
from tests.factories import make_sku, make_user, place
from tests.marketplaces.catalogue_helpers import demo_catalogue

SAMPLES = Path(settings.BASE_DIR) / "sellerdesk" / "marketplaces" / "samples"
SHANGHAI = ZoneInfo("Asia/Shanghai")
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def tmall(db: Any) -> Shop:
    return Shop.objects.create(code="tmall", name="暖阳小铺 天猫旗舰店", platform="tmall")


def logged_in(role: str, *, enforce_csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(make_user(f"user-{role}", role))
    return client


def sample(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (SAMPLES / name).read_bytes())


@pytest.fixture
def sample_catalogue(db: Any) -> None:
    demo_catalogue()


def test_the_list_shows_the_upload_form_and_the_link_is_in_the_top_bar(tmall: Shop) -> None:
    page = logged_in("agent").get("/marketplaces/", **EN)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'enctype="multipart/form-data"' in text
    assert "Check the file" in text and "Recognise from the file" in text
    assert 'href="/marketplaces/"' in text  # under More
    assert "No order files imported yet." in text


def test_warehouse_staff_get_the_bulk_ship_form_not_the_imports(tmall: Shop) -> None:
    picker = logged_in("warehouse")
    assert picker.get("/marketplaces/", **EN).status_code == 403
    page = picker.get("/marketplaces/bulk-ship/", **EN)
    assert page.status_code == 200
    assert 'href="/marketplaces/bulk-ship/"' in page.content.decode()  # their link under More
    assert logged_in("purchaser").get("/marketplaces/bulk-ship/").status_code == 403


def test_an_upload_over_the_limit_is_shown_on_the_form_and_nothing_is_stored(tmall: Shop, settings: Any) -> None:
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "MARKETPLACES": {**settings.SELLERDESK["MARKETPLACES"], "MAX_FILE_BYTES": 64 * 1024},
    }
    page = logged_in("agent").post(
        "/marketplaces/imports/",
        {"shop": "tmall", "file": SimpleUploadedFile("orders.csv", b"a" * 200_000)},
        **EN,
    )
    assert page.status_code == 413
    assert "larger than" in page.content.decode()
    assert OrderImport.objects.count() == 0


def test_the_upload_form_still_checks_the_csrf_token(tmall: Shop) -> None:
    client = logged_in("agent", enforce_csrf_checks=True)
    page = client.post("/marketplaces/imports/", {"shop": "tmall", "file": SimpleUploadedFile("o.csv", b"a\n")})
    assert page.status_code == 403
    assert OrderImport.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"shop": "nowhere"}, "choose a shop"),
        ({"shop": "tmall", "layout": "amazon"}, "choose a layout"),
    ],
)
def test_a_bad_field_is_shown_on_the_form(tmall: Shop, data: dict[str, str], message: str) -> None:
    data = {**data, "file": SimpleUploadedFile("orders.csv", b"a,b\n")}
    page = logged_in("agent").post("/marketplaces/imports/", data, **EN)
    assert page.status_code == 422
    assert message in page.content.decode()
    assert OrderImport.objects.count() == 0


def test_a_file_in_no_known_layout_is_refused_at_the_form(tmall: Shop) -> None:
    page = logged_in("agent").post(
        "/marketplaces/imports/",
        {"shop": "tmall", "file": SimpleUploadedFile("orders.csv", "名字,数量\n张三,1\n".encode())},
        **EN,
    )
    assert page.status_code == 422
    assert OrderImport.objects.count() == 0


def test_an_unknown_import_is_404(tmall: Shop) -> None:
    agent = logged_in("agent")
    for path in ("1/", "1/panel/", "1/refused.csv", "99999999999999999999/"):
        assert agent.get(f"/marketplaces/imports/{path}").status_code == 404, path
    assert agent.post("/marketplaces/imports/1/commit/").status_code == 302  # back, with the reason


# ------------------------------------------------------------------ with the sample file


def upload_taobao_sample(client: Client) -> OrderImport:
    response = client.post(
        "/marketplaces/imports/",
        {"shop": "tmall", "layout": "", "file": sample("taobao-orders.csv"), "items_file": sample("taobao-items.csv")},
        **EN,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    found = OrderImport.objects.get()
    assert response["Location"] == f"/marketplaces/imports/{found.pk}/"
    return found


@pytest.mark.skipif(not (SAMPLES / "taobao-orders.csv").exists(), reason="H1's samples not committed yet")
def test_preview_commit_and_the_finished_import(tmall: Shop, sample_catalogue: None) -> None:
    agent = logged_in("agent")
    found = upload_taobao_sample(agent)
    assert found.status == ImportStatus.PREVIEWED
    assert found.refused == 2

    page = agent.get(f"/marketplaces/imports/{found.pk}/", **EN).content.decode()
    assert "Preview" in page
    assert f'data-testid="count-create">{found.to_create}<' in page
    assert 'data-testid="count-refused">2<' in page
    # The sample: seven paid orders and one awaiting payment to take in, two bad rows.
    assert found.to_create == 8
    for row in found.refused_rows:
        assert f'data-testid="refused-line">{row["line"]}<' in page
    assert "commit-button" in page and "discard-button" in page
    assert "hx-trigger" not in page  # nothing to poll while it waits for a decision
    assert Order.objects.count() == 0  # the preview wrote nothing

    csv_answer = agent.get(f"/marketplaces/imports/{found.pk}/refused.csv", **EN)
    assert csv_answer.status_code == 200
    lines = csv_answer.content.decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 3  # the header and the two refused rows

    committed = agent.post(f"/marketplaces/imports/{found.pk}/commit/", **EN)
    assert committed.status_code == 302
    queued = agent.get(f"/marketplaces/imports/{found.pk}/", **EN).content.decode()
    assert "hx-trigger" in queued  # polled while queued
    assert 'role="progressbar"' in queued
    panel = agent.get(f"/marketplaces/imports/{found.pk}/panel/", **EN).content.decode()
    assert panel.lstrip().startswith('<section id="import-panel"')

    importing.run_import(found.pk)  # what the worker does with the queued task
    done = agent.get(f"/marketplaces/imports/{found.pk}/panel/", **EN).content.decode()
    assert "hx-trigger" not in done
    assert 'aria-valuenow="100"' in done
    assert Order.objects.count() == found.to_create
    assert "commit-button" not in done


@pytest.mark.skipif(not (SAMPLES / "taobao-orders.csv").exists(), reason="H1's samples not committed yet")
def test_discarding_a_preview_writes_nothing(tmall: Shop, sample_catalogue: None) -> None:
    agent = logged_in("agent")
    found = upload_taobao_sample(agent)
    response = agent.post(f"/marketplaces/imports/{found.pk}/discard/", **EN)
    assert response.status_code == 302
    assert response["Location"] == "/marketplaces/"
    assert OrderImport.objects.get().status == ImportStatus.DISCARDED
    assert Order.objects.count() == 0
    page = agent.get(f"/marketplaces/imports/{found.pk}/", **EN).content.decode()
    assert "commit-button" not in page


# ------------------------------------------------------------------ the bulk-ship form


def test_the_bulk_ship_form_downloads_the_days_file(tmall: Shop) -> None:
    Carrier.objects.create(code="zto", name="中通快递")
    make_sku("TEE-RED-M", price="59.00", stock=10)
    order = advance(
        place(
            ("TEE-RED-M", 1),
            shop="tmall",
            external_id="4012345678901234567",
            placed_at=datetime(2026, 3, 8, 9, 0, tzinfo=SHANGHAI),
        ),
        "approved",
    )
    actions.ship_order(
        order=order,
        actor=None,
        carrier="zto",
        tracking_number="73100000001",
        at=datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI),
    )
    picker = logged_in("warehouse")
    answer = picker.get("/marketplaces/bulk-ship/", {"shop": "tmall", "date": "2026-03-10", "format": "csv"})
    assert answer.status_code == 200
    assert "attachment" in answer["Content-Disposition"]
    assert "73100000001" in answer.content.decode("gb18030")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"shop": "tmall", "date": "2026-02-30"}, "enter a date as YYYY-MM-DD"),
        ({"shop": "nowhere", "date": "2026-03-10"}, "choose a shop"),
        ({"shop": "tmall", "date": "2026-03-10", "format": "pdf"}, "choose csv or xlsx"),
    ],
)
def test_a_bad_bulk_ship_request_is_shown_on_the_form(tmall: Shop, params: dict[str, str], message: str) -> None:
    page = logged_in("agent").get("/marketplaces/bulk-ship/", params, **EN)
    assert page.status_code == 422
    assert message in page.content.decode()


def test_odd_query_strings_never_make_a_server_error(tmall: Shop, sample_catalogue: None) -> None:
    agent = logged_in("agent")
    found = upload_taobao_sample(agent)
    for path in (
        "/marketplaces/?page=x&shop=%00",
        "/marketplaces/?page=-3&shop=" + "x" * 500,
        f"/marketplaces/imports/{found.pk}/?page=-5&rpage=abc&action=zzz",
        f"/marketplaces/imports/{found.pk}/panel/?page=99999999999999999999&action=%00",
        "/marketplaces/bulk-ship/?date=%00&shop=%00&format=%00",
        "/marketplaces/bulk-ship/?date=99999-01-01&shop=tmall",
    ):
        response = agent.get(path)
        assert response.status_code < 500, path

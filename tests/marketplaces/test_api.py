"""The marketplaces API: uploading an order export (checked into a preview), its status,
plan and refused rows, commit and discard, and the bulk-ship file — every bad input a
clear 4xx with nothing stored, never a 500."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import ClientHandler

from sellerdesk.core.models import IdempotencyRecord
from sellerdesk.logistics.models import Carrier
from sellerdesk.marketplaces.models import ImportStatus, OrderImport
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop
from tests.api.helpers import advance, default_shop  # noqa: F401  (autouse)
from tests.factories import make_sku, make_token, make_user, place

SHANGHAI = ZoneInfo("Asia/Shanghai")
IMPORTS = "/api/v1/marketplace-imports"


@pytest.fixture
def tmall(db: Any) -> Shop:
    return Shop.objects.create(code="tmall", name="暖阳小铺 天猫旗舰店", platform="tmall")


def client_of(role: str = "owner") -> Client:
    user = make_user(f"user-{role}", role)
    return Client(HTTP_AUTHORIZATION=f"Bearer {make_token(user)}")


@pytest.fixture
def owner_client(db: Any) -> Client:
    return client_of("owner")


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "marketplace-imports"
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def nothing_stored(before: list[Path]) -> bool:
    return OrderImport.objects.count() == 0 and stored_files() == before


def small_limit(settings: Any, max_bytes: int) -> None:
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "MARKETPLACES": {**settings.SELLERDESK["MARKETPLACES"], "MAX_FILE_BYTES": max_bytes},
    }


# ------------------------------------------------------------------ too large, early


class LazyMultipart(io.RawIOBase):
    """A multipart body of `size` bytes of file content, made as it is read, counting
    how much of it the server read."""

    BOUNDARY = "sellerdeskboundary"

    def __init__(self, size: int) -> None:
        self.head = (
            f'--{self.BOUNDARY}\r\nContent-Disposition: form-data; name="shop"\r\n\r\ntmall\r\n'
            f'--{self.BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="huge.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        self.tail = f"\r\n--{self.BOUNDARY}--\r\n".encode()
        self.total = len(self.head) + size + len(self.tail)
        self.served = 0

    def readable(self) -> bool:
        return True

    def _byte_at(self, start: int, count: int) -> bytes:
        out = bytearray()
        body_end = self.total - len(self.tail)
        while count > 0 and start < self.total:
            if start < len(self.head):
                piece = self.head[start : start + count]
            elif start < body_end:
                piece = b"a" * min(count, body_end - start)
            else:
                piece = self.tail[start - body_end : start - body_end + count]
            out += piece
            start += len(piece)
            count -= len(piece)
        return bytes(out)

    def read(self, size: int | None = -1) -> bytes:
        count = self.total - self.served if size is None or size < 0 else size
        data = self._byte_at(self.served, count)
        self.served += len(data)
        return data


def test_a_200_mb_upload_is_refused_once_the_limit_is_passed_without_reading_the_rest(
    tmall: Shop, settings: Any
) -> None:
    small_limit(settings, 2 * 1024 * 1024)
    token = make_token(make_user("boss", "owner"))
    body = LazyMultipart(200 * 1024 * 1024)
    before = stored_files()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": IMPORTS,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        # The true length would be refused before reading (the next test); a client that
        # declares less (or streams chunked) meets the cap while the body is read.
        "CONTENT_LENGTH": str(4 * 1024 * 1024 + 100),
        "CONTENT_TYPE": f"multipart/form-data; boundary={LazyMultipart.BOUNDARY}",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
    }
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    assert response.status_code == 413
    answer = json.loads(response.content)
    assert answer["code"] == "file_too_large"
    assert set(answer["details"]["fields"]) == {"file"}
    assert body.served < 3 * 1024 * 1024  # stopped right after the 2 MB limit
    assert nothing_stored(before)


def test_a_200_mb_file_with_its_true_length_is_read_only_up_to_the_limit(tmall: Shop) -> None:
    # The default limit (100 MB a file; two files may come, so a 200 MB body is not
    # refused by its length alone): the handler stops at 100 MB.
    token = make_token(make_user("boss", "owner"))
    body = LazyMultipart(200 * 1024 * 1024)
    before = stored_files()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": IMPORTS,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "CONTENT_LENGTH": str(body.total),
        "CONTENT_TYPE": f"multipart/form-data; boundary={LazyMultipart.BOUNDARY}",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
    }
    response = ClientHandler(enforce_csrf_checks=False)(environ)
    assert response.status_code == 413
    answer = json.loads(response.content)
    assert answer["code"] == "file_too_large"
    assert answer["details"]["max_bytes"] == 100 * 1024 * 1024
    assert 100 * 1024 * 1024 < body.served < 101 * 1024 * 1024
    assert nothing_stored(before)


def test_a_file_over_the_limit_sent_by_a_plain_client_is_413_and_nothing_is_stored(
    tmall: Shop, owner_client: Client, settings: Any
) -> None:
    small_limit(settings, 64 * 1024)
    before = stored_files()
    items = SimpleUploadedFile("items.csv", b"x" * 1000)
    big = SimpleUploadedFile("orders.csv", b"a" * (200 * 1024))
    response = owner_client.post(IMPORTS, {"shop": "tmall", "file": big, "items_file": items})
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert nothing_stored(before)


def test_a_declared_300_mb_body_is_refused_before_the_body_is_read(tmall: Shop, owner_client: Client) -> None:
    response = owner_client.post(
        IMPORTS,
        {"shop": "tmall", "file": SimpleUploadedFile("orders.csv", b"a,b\n")},
        CONTENT_LENGTH=str(300 * 1024 * 1024),  # more than two files' limit
    )
    assert response.status_code == 413
    assert response.json()["code"] == "file_too_large"
    assert OrderImport.objects.count() == 0


# ------------------------------------------------------------------ bad requests


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"shop": "nowhere"}, "shop"),
        ({"shop": ""}, "shop"),
        ({"shop": "x" * 500}, "shop"),
        ({"shop": "tmall", "layout": "amazon"}, "layout"),
        ({"shop": "tmall", "layout": "taobao\x00"}, "layout"),
        ({"shop": "tm\x00all"}, "shop"),
    ],
)
def test_a_bad_field_is_422_naming_it(tmall: Shop, owner_client: Client, data: dict[str, str], field: str) -> None:
    data = {**data, "file": SimpleUploadedFile("orders.csv", b"a,b\n1,2\n")}
    response = owner_client.post(IMPORTS, data)
    assert response.status_code == 422, response.content
    assert field in response.json()["details"]["fields"]
    assert OrderImport.objects.count() == 0


def test_a_file_name_with_a_nul_character_is_422(tmall: Shop, owner_client: Client) -> None:
    sample_header = "订单编号,买家会员名\n".encode()
    response = owner_client.post(IMPORTS, {"shop": "tmall", "file": SimpleUploadedFile("a\x00.csv", sample_header)})
    assert response.status_code == 422  # the name's NUL dropped by the parser, or refused
    assert response.json()["code"] in ("validation_error", "bad_file")
    assert OrderImport.objects.count() == 0
    assert OrderImport.objects.count() == 0


def test_no_file_is_422(tmall: Shop, owner_client: Client) -> None:
    response = owner_client.post(IMPORTS, {"shop": "tmall"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json()["details"]["fields"] == {"file": "required"}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"shop": "tmall"}', "application/json"),
        (b"shop=tmall", "application/x-www-form-urlencoded"),
        (b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nabc', "multipart/form-data"),
        (b"garbage", "multipart/form-data; boundary=x"),
        (b"", "multipart/form-data; boundary="),
    ],
)
def test_a_body_that_is_not_a_multipart_form_is_422(
    tmall: Shop, owner_client: Client, body: bytes, content_type: str
) -> None:
    response = owner_client.post(IMPORTS, body, content_type=content_type)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation_error"
    assert OrderImport.objects.count() == 0


def test_who_may_upload(tmall: Shop) -> None:
    upload = {"shop": "tmall", "file": SimpleUploadedFile("orders.csv", b"a\n")}
    assert Client().post(IMPORTS, upload).status_code == 401
    for role in ("warehouse", "purchaser"):
        response = client_of(role).post(IMPORTS, {"shop": "tmall", "file": SimpleUploadedFile("o.csv", b"a\n")})
        assert response.status_code == 403
        assert response.json()["details"] == {"permission": "marketplaces.import"}
    assert OrderImport.objects.count() == 0


@pytest.mark.parametrize("path", ["0", "999999", "99999999999999999999999", "-1"])
def test_an_unknown_import_is_404(tmall: Shop, owner_client: Client, path: str) -> None:
    for suffix in ("", "/plan", "/refused.csv"):
        response = owner_client.get(f"{IMPORTS}/{path}{suffix}")
        assert response.status_code == 404, (suffix, response.content)
        assert response.json()["code"] == "not_found"
    for action in ("commit", "discard"):
        assert owner_client.post(f"{IMPORTS}/{path}/{action}").status_code == 404


def test_an_id_that_is_not_a_number_is_422(owner_client: Client) -> None:
    assert owner_client.get(f"{IMPORTS}/abc").status_code == 422


def test_the_list_refuses_unknown_filters(tmall: Shop, owner_client: Client) -> None:
    assert owner_client.get(IMPORTS, {"shop": "nowhere"}).status_code == 422
    assert owner_client.get(IMPORTS, {"status": "sideways"}).status_code == 422
    assert owner_client.get(IMPORTS, {"page": "0"}).status_code == 422
    empty = owner_client.get(IMPORTS, {"shop": "tmall", "page": "7"})
    assert empty.status_code == 200
    assert empty.json() == {"items": [], "count": 0, "page": 1, "pages": 1}


def test_the_list_reads_a_page_in_a_few_queries_whatever_the_imports_hold(
    tmall: Shop, owner_client: Client, django_assert_max_num_queries: Any
) -> None:
    for number in range(30):
        OrderImport.objects.create(
            shop=tmall,
            layout="taobao",
            status=ImportStatus.PREVIEWED,
            file=f"marketplace-imports/x{number}.csv",
            file_name=f"x{number}.csv",
            digest=f"{number:064d}",
            refused=1,
            refused_rows=[{"line": 2, "file": "orders", "code": "market_file_unreadable", "params": {"detail": "x"}}],
            plan=[{"external_id": "1", "action": "create", "changes": [], "refused": None}] * 100,
            created_at=datetime(2026, 3, 10, 9, number, tzinfo=SHANGHAI),
        )
    with django_assert_max_num_queries(6):
        answer = owner_client.get(IMPORTS)
    assert answer.status_code == 200
    assert answer.json()["count"] == 30
    assert [item["refused_rows_count"] for item in answer.json()["items"]] == [1] * 30


# ------------------------------------------------------------------ the bulk-ship file


@pytest.fixture
def shipped_today(tmall: Shop) -> Order:
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
    return actions.ship_order(
        order=order,
        actor=None,
        carrier="zto",
        tracking_number="73100000001",
        at=datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI),
    )


def test_the_bulk_ship_file_of_a_day_downloads(shipped_today: Order) -> None:
    picker = client_of("warehouse")  # the floor exports what it shipped
    response = picker.get("/api/v1/shops/tmall/bulk-ship-file", {"date": "2026-03-10", "format": "csv"})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("gb18030"))))
    assert ["4012345678901234567", "ZTO", "73100000001"] in [row[:3] for row in rows] or any(
        "4012345678901234567" in row and "73100000001" in row for row in rows
    )
    xlsx = picker.get("/api/v1/shops/tmall/bulk-ship-file", {"date": "2026-03-10", "format": "xlsx"})
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/api/v1/shops/tmall/bulk-ship-file", {"date": "2026-13-40"}, 422),
        ("/api/v1/shops/tmall/bulk-ship-file", {"date": ""}, 422),
        ("/api/v1/shops/tmall/bulk-ship-file", {}, 422),
        ("/api/v1/shops/tmall/bulk-ship-file", {"date": "2026-03-10", "format": "pdf"}, 422),
        ("/api/v1/shops/nowhere/bulk-ship-file", {"date": "2026-03-10"}, 404),
        ("/api/v1/shops/main/bulk-ship-file", {"date": "2026-03-10"}, 422),  # the own web shop
        (f"/api/v1/shops/{'x' * 300}/bulk-ship-file", {"date": "2026-03-10"}, 404),
        ("/api/v1/shops/tm%00all/bulk-ship-file", {"date": "2026-03-10"}, 404),
    ],
)
def test_a_bad_bulk_ship_request_is_a_clear_error(
    tmall: Shop, owner_client: Client, path: str, params: dict[str, str], status: int
) -> None:
    response = owner_client.get(path, params)
    assert response.status_code == status, response.content
    assert response.json()["code"] in ("validation_error", "not_found")


def test_a_purchaser_may_not_export_shipped_orders(tmall: Shop) -> None:
    response = client_of("purchaser").get("/api/v1/shops/tmall/bulk-ship-file", {"date": "2026-03-10"})
    assert response.status_code == 403


def test_a_day_without_shipments_is_a_file_with_its_header_only(tmall: Shop, owner_client: Client) -> None:
    response = owner_client.get("/api/v1/shops/tmall/bulk-ship-file", {"date": date(2026, 3, 11).isoformat()})
    assert response.status_code == 200
    assert len(response.content.decode("gb18030").strip().splitlines()) == 1


def test_the_upload_idempotency_key_is_checked_for_length(tmall: Shop, owner_client: Client) -> None:
    response = owner_client.post(
        IMPORTS,
        {"shop": "tmall", "file": SimpleUploadedFile("orders.csv", b"a\n")},
        HTTP_IDEMPOTENCY_KEY="k" * 300,
    )
    assert response.status_code == 422
    assert IdempotencyRecord.objects.count() == 0


# ------------------------------------------------------------------ unreadable files

TAOBAO_HEADER = "订单编号,买家会员名,买家实际支付金额,订单状态,收货人姓名,收货地址,联系手机,订单创建时间\n"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("orders.csv", "名字,数量\n张三,1\n".encode()),  # no known layout
        ("orders.csv", TAOBAO_HEADER.encode("utf-16")),  # a wrong encoding
        ("orders.csv", b""),  # empty
        ("orders.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4),  # a picture named .csv
        ("orders.xlsx", b"PK\x03\x04 not really a workbook"),
        ("orders.xlsx", "订单编号\n1\n".encode()),
        ("orders.pdf", b"%PDF-1.4"),
        ("orders.csv", b'"unterminated,quote\n1,2\n'),
        ("orders.csv", TAOBAO_HEADER.encode("gbk")),  # a Taobao orders file without its items file
    ],
)
def test_a_file_that_cannot_be_read_is_422_bad_file_and_nothing_is_stored(
    tmall: Shop, owner_client: Client, name: str, content: bytes
) -> None:
    before = stored_files()
    response = owner_client.post(
        IMPORTS, {"shop": "tmall", "file": SimpleUploadedFile(name, content)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 422, response.content
    answer = response.json()
    assert answer["code"] == "bad_file", answer
    assert answer["message"]
    assert nothing_stored(before)


def test_random_bytes_never_make_a_server_error(tmall: Shop, owner_client: Client) -> None:
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    @hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        content=st.binary(max_size=600),
        name=st.sampled_from(["o.csv", "o.xlsx", "o", "订单.CSV"]),
        layout=st.sampled_from(["", "taobao", "jd", "pinduoduo"]),
    )
    def upload(content: bytes, name: str, layout: str) -> None:
        response = owner_client.post(
            IMPORTS, {"shop": "tmall", "layout": layout, "file": SimpleUploadedFile(name, content)}
        )
        assert response.status_code < 500, response.content
        assert response.status_code in (201, 413, 422)

    upload()


# ------------------------------------------------------------------ the sample file, end to end

SAMPLES = Path(settings.BASE_DIR) / "sellerdesk" / "marketplaces" / "samples"
needs_samples = pytest.mark.skipif(
    not (SAMPLES / "taobao-orders.csv").exists(), reason="H1's samples not committed yet"
)


@pytest.fixture
def sample_catalogue(db: Any) -> None:
    from tests.marketplaces.catalogue_helpers import demo_catalogue

    demo_catalogue()


def upload_sample(client: Client, **headers: str) -> Any:
    files = {
        "file": SimpleUploadedFile("taobao-orders.csv", (SAMPLES / "taobao-orders.csv").read_bytes()),
        "items_file": SimpleUploadedFile("taobao-items.csv", (SAMPLES / "taobao-items.csv").read_bytes()),
    }
    return client.post(IMPORTS, {"shop": "tmall", **files}, HTTP_ACCEPT_LANGUAGE="en", **headers)


@needs_samples
def test_upload_preview_plan_refused_rows_commit_and_again(
    tmall: Shop, owner_client: Client, sample_catalogue: None
) -> None:
    from sellerdesk.marketplaces import importing

    response = upload_sample(owner_client)
    assert response.status_code == 201, response.content
    preview = response.json()
    assert preview["status"] == "previewed"
    assert preview["layout"] == "taobao"
    assert preview["counts"]["refused"] == 2 == preview["refused_rows_count"] == len(preview["refused_rows"])
    for row in preview["refused_rows"]:
        assert row["line"] > 1 and row["reason"] and row["code"]
    assert Order.objects.count() == 0  # the preview wrote nothing
    path = f"{IMPORTS}/{preview['id']}"

    assert owner_client.get(path, HTTP_ACCEPT_LANGUAGE="en").json() == preview
    plan = owner_client.get(f"{path}/plan").json()
    assert plan["count"] == len(OrderImport.objects.get().plan)
    assert {item["action"] for item in plan["items"]} >= {"create"}
    creates = owner_client.get(f"{path}/plan", {"action": "create"}).json()
    assert creates["count"] == preview["counts"]["to_create"]
    assert owner_client.get(f"{path}/plan", {"action": "sideways"}).status_code == 422

    refused = owner_client.get(f"{path}/refused.csv", HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 200
    rows = list(csv.reader(io.StringIO(refused.content.decode("utf-8-sig"))))
    assert rows[0] == ["file", "line", "marketplace order id", "field", "reason"]
    assert sorted(int(row[1]) for row in rows[1:]) == sorted(row["line"] for row in preview["refused_rows"])

    listed = owner_client.get(IMPORTS, {"shop": "tmall"}).json()
    assert [item["id"] for item in listed["items"]] == [preview["id"]]
    assert listed["items"][0]["refused_rows"] == [] and listed["items"][0]["refused_rows_count"] == 2

    committed = owner_client.post(f"{path}/commit")
    assert committed.status_code == 202
    assert committed.json()["status"] == "queued"
    assert owner_client.post(f"{path}/commit").status_code == 409  # once
    assert owner_client.post(f"{path}/discard").status_code == 409  # too late
    importing.run_import(preview["id"])  # what the worker does with the queued task
    done = owner_client.get(path).json()
    assert done["status"] == "done" and done["percent"] == 100
    assert done["counts"]["created"] == preview["counts"]["to_create"] == Order.objects.count()

    again = upload_sample(owner_client).json()
    assert again["status"] == "previewed"
    assert again["counts"]["to_create"] == 0
    assert again["counts"]["unchanged"] == preview["counts"]["to_create"]


@needs_samples
def test_discard_and_the_idempotency_key(tmall: Shop, owner_client: Client, sample_catalogue: None) -> None:
    first = upload_sample(owner_client, HTTP_IDEMPOTENCY_KEY="upload-1")
    second = upload_sample(owner_client, HTTP_IDEMPOTENCY_KEY="upload-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert OrderImport.objects.count() == 1
    other = owner_client.post(
        IMPORTS,
        {"shop": "tmall", "file": SimpleUploadedFile("o.csv", b"x")},
        HTTP_IDEMPOTENCY_KEY="upload-1",
    )
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_key_reused"

    discarded = owner_client.post(f"{IMPORTS}/{first.json()['id']}/discard")
    assert discarded.status_code == 200
    assert discarded.json()["status"] == "discarded"
    assert owner_client.post(f"{IMPORTS}/{first.json()['id']}/commit").status_code == 409
    assert Order.objects.count() == 0


@needs_samples
def test_a_warehouse_user_may_not_see_imports(tmall: Shop, owner_client: Client, sample_catalogue: None) -> None:
    found = upload_sample(owner_client).json()
    picker = client_of("warehouse")
    for suffix in ("", "/plan", "/refused.csv"):
        assert picker.get(f"{IMPORTS}/{found['id']}{suffix}").status_code == 403
    assert picker.get(IMPORTS).status_code == 403
    assert picker.post(f"{IMPORTS}/{found['id']}/commit").status_code == 403

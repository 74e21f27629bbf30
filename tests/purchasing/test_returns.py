"""Returns to suppliers (退供): defective units gathered per supplier and warehouse, sent
back out of defective stock through the ledger, closed with the supplier's credit."""

from __future__ import annotations

import io
import subprocess
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from sellerdesk.core.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from sellerdesk.core.models import AuditEvent
from sellerdesk.inventory.actions import receive_stock
from sellerdesk.inventory.models import MovementKind, StockLevel, StockMovement
from sellerdesk.purchasing import actions, returns
from sellerdesk.purchasing.models import SupplierReturn, SupplierReturnLine

pytestmark = pytest.mark.django_db


def make_defective(sku, warehouse, quantity: int) -> None:
    with transaction.atomic():
        receive_stock(
            sku_id=sku.pk,
            warehouse_id=warehouse.pk,
            good=0,
            damaged=quantity,
            document="AS-TEST",
            actor=None,
            at=timezone.now(),
            kind=MovementKind.DEFECTIVE,
        )


def supplies(supplier, sku, cost: str, *, preferred: bool = False) -> None:
    actions.set_supplier_sku(
        supplier=supplier, sku=sku, data=actions.SupplierSkuData(cost=Decimal(cost), is_preferred=preferred), actor=None
    )


def defective(sku, warehouse) -> int:
    return StockLevel.objects.get(sku=sku, warehouse=warehouse).defective


def add(sku, warehouse, quantity=1, document="AS26120600000001", actor=None, **extra):
    return returns.add_to_supplier_return(
        sku_id=sku.pk,
        warehouse_id=warehouse.pk,
        quantity=quantity,
        document=document,
        reason=extra.pop("reason", "quality"),
        photos=extra.pop("photos", ["aftersales/2026/12/AS1-abc.jpg"]),
        actor=actor,
        **extra,
    )


def test_units_go_to_the_preferred_supplier_else_the_cheapest(supplier, overseas, tee, jeans, warehouse):
    supplies(supplier, tee, "30.00", preferred=True)
    supplies(overseas, tee, "20.00")
    supplies(supplier, jeans, "90.00")
    supplies(overseas, jeans, "80.00")

    assert add(tee, warehouse).supplier == supplier
    assert add(jeans, warehouse).supplier == overseas


def test_one_open_batch_per_supplier_and_warehouse_gathers_the_documents(supplier, tee, jeans, warehouse, purchaser):
    supplies(supplier, tee, "30.00")
    supplies(supplier, jeans, "90.00")

    first = add(tee, warehouse, 2, "AS1", photos=["aftersales/a.jpg"], actor=purchaser)
    second = add(jeans, warehouse, 1, "AS2", photos=[])
    third = add(tee, warehouse, 1, "AS1", photos=["aftersales/a.jpg", "aftersales/b.jpg"])

    assert first.pk == second.pk == third.pk
    assert first.number.startswith("TG") and first.status == "open"
    lines = list(SupplierReturnLine.objects.filter(batch=first).order_by("pk"))
    assert [(line.sku_id, line.document, line.quantity) for line in lines] == [(tee.pk, "AS1", 3), (jeans.pk, "AS2", 1)]
    assert lines[0].photos == ["aftersales/a.jpg", "aftersales/b.jpg"]
    events = AuditEvent.objects.filter(object_kind="supplier_return", object_id=first.number).order_by("pk")
    assert [event.code for event in events] == [returns.LINE_ADDED] * 3
    assert events[0].actor == purchaser and events[0].data["quantity"] == 2


def test_a_sku_nobody_supplies_is_refused_and_nothing_is_written(tee, warehouse):
    with pytest.raises(ValidationFailed) as refused:
        add(tee, warehouse)

    assert "disposition" in refused.value.fields
    assert not SupplierReturn.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"quantity": 0}, "quantity"), ({"quantity": True}, "quantity"), ({"document": " "}, "document")],
)
def test_bad_lines_are_refused(supplier, tee, warehouse, changes, field):
    supplies(supplier, tee, "30.00")
    arguments = {"quantity": 1, "document": "AS1", **changes}

    with pytest.raises(ValidationFailed) as refused:
        add(tee, warehouse, arguments["quantity"], arguments["document"])

    assert field in refused.value.fields
    assert not SupplierReturn.objects.exists()


def test_an_agent_may_not_gather_returns(supplier, tee, warehouse, agent):
    supplies(supplier, tee, "30.00")
    with pytest.raises(PermissionDenied):
        add(tee, warehouse, actor=agent)


def test_sending_takes_the_units_out_of_defective_stock_through_the_ledger(
    supplier, tee, jeans, warehouse, warehouse_user
):
    supplies(supplier, tee, "30.00")
    supplies(supplier, jeans, "90.00")
    make_defective(tee, warehouse, 4)
    make_defective(jeans, warehouse, 1)
    add(tee, warehouse, 2, "AS1")
    add(tee, warehouse, 1, "AS2")
    batch = add(jeans, warehouse, 1, "AS2")

    sent = returns.send_supplier_return(batch=batch, carrier="SF", tracking_number="SF100", actor=warehouse_user)

    assert sent.status == "sent" and sent.sent_by == warehouse_user
    assert (sent.carrier, sent.tracking_number) == ("SF", "SF100")
    assert defective(tee, warehouse) == 1 and defective(jeans, warehouse) == 0
    rows = StockMovement.objects.filter(document=batch.number).order_by("sku_id")
    assert [(row.sku_id, row.kind, row.defective_delta, row.on_hand_delta) for row in rows] == [
        (tee.pk, "defective", -3, 0),
        (jeans.pk, "defective", -1, 0),
    ]
    assert all(row.actor == warehouse_user for row in rows)
    assert "hz-fushi" in rows[0].note_text
    assert StockLevel.objects.get(sku=tee, warehouse=warehouse).on_hand == 0
    # The next defective unit starts a new batch.
    assert add(tee, warehouse, 1, "AS3").pk != batch.pk


def test_sending_more_than_the_defective_stock_moves_nothing(supplier, tee, jeans, warehouse):
    supplies(supplier, tee, "30.00")
    supplies(supplier, jeans, "90.00")
    make_defective(tee, warehouse, 2)
    add(tee, warehouse, 2, "AS1")
    batch = add(jeans, warehouse, 1, "AS2")  # never put into defective stock

    with pytest.raises(Conflict) as refused:
        returns.send_supplier_return(batch=batch, actor=None)

    assert refused.value.code == "defective_stock_short"
    batch.refresh_from_db()
    assert batch.status == "open" and batch.sent_at is None
    assert defective(tee, warehouse) == 2
    assert not StockMovement.objects.filter(document=batch.number).exists()


def test_closing_records_the_credit_once_the_batch_is_sent(supplier, tee, warehouse, purchaser):
    supplies(supplier, tee, "30.00")
    make_defective(tee, warehouse, 1)
    batch = add(tee, warehouse)
    with pytest.raises(InvalidTransition):
        returns.close_supplier_return(batch=batch, credit_amount=Decimal("30.00"), actor=purchaser)
    returns.send_supplier_return(batch=batch, actor=None)
    with pytest.raises(ValidationFailed) as refused:
        returns.close_supplier_return(batch=batch, credit_amount=Decimal("-1"), actor=purchaser)
    assert "credit_amount" in refused.value.fields

    closed = returns.close_supplier_return(batch=batch, credit_amount=Decimal("30.00"), actor=purchaser)

    assert closed.status == "closed" and closed.credit_amount == Decimal("30.00")
    with pytest.raises(InvalidTransition):
        returns.send_supplier_return(batch=batch, actor=None)
    codes = list(
        AuditEvent.objects.filter(object_kind="supplier_return", object_id=batch.number)
        .order_by("pk")
        .values_list("code", flat=True)
    )
    assert codes == [returns.LINE_ADDED, returns.SENT, returns.CLOSED]


# --- the screen ------------------------------------------------------------------------------


@pytest.fixture
def stored_photo(settings, tmp_path) -> str:
    settings.MEDIA_ROOT = tmp_path / "media"
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "red").save(buffer, format="JPEG")
    return default_storage.save("aftersales/2026/12/AS1-photo.jpg", ContentFile(buffer.getvalue()))


@pytest.fixture
def batch(supplier, tee, warehouse, stored_photo):
    supplies(supplier, tee, "30.00")
    make_defective(tee, warehouse, 2)
    return add(tee, warehouse, 2, "AS26120600000001", photos=[stored_photo])


def test_the_list_and_the_batch_page(client, purchaser, batch):
    client.force_login(purchaser)

    listing = client.get(reverse("purchasing:returns"))
    page = client.get(reverse("purchasing:return", args=[batch.number]))

    assert listing.status_code == 200 and batch.number in listing.text and "杭州服饰有限公司" in listing.text
    assert page.status_code == 200
    assert "AS26120600000001" in page.text and "TEE-RED-M" in page.text
    assert reverse("purchasing:return_photo", args=[batch.number, batch.lines.get().pk, 0]) in page.text
    assert reverse("purchasing:returns") in client.get(reverse("purchasing:list")).text  # the tab


def test_the_photos_of_a_batch_and_nothing_else(client, purchaser, batch):
    client.force_login(purchaser)
    line = batch.lines.get()

    photo = client.get(reverse("purchasing:return_photo", args=[batch.number, line.pk, 0]))

    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg"
    assert b"".join(photo.streaming_content)[:2] == b"\xff\xd8"
    assert client.get(reverse("purchasing:return_photo", args=[batch.number, line.pk, 1])).status_code == 404


def test_sending_and_closing_from_the_page(client, warehouse_user, purchaser, batch, tee, warehouse):
    client.force_login(warehouse_user)
    sent = client.post(
        reverse("purchasing:return_action", args=[batch.number, "send"]), {"carrier": "SF", "tracking_number": "SF9"}
    )
    assert sent.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "sent" and batch.tracking_number == "SF9"
    assert defective(tee, warehouse) == 0
    # The warehouse may send but not settle money with the supplier.
    client.post(reverse("purchasing:return_action", args=[batch.number, "close"]), {"credit_amount": "60.00"})
    batch.refresh_from_db()
    assert batch.status == "sent"

    client.force_login(purchaser)
    refused = client.post(reverse("purchasing:return_action", args=[batch.number, "close"]), {"credit_amount": "-5"})
    assert refused.status_code == 302
    batch.refresh_from_db()
    assert batch.status == "sent"
    client.post(reverse("purchasing:return_action", args=[batch.number, "close"]), {"credit_amount": "60.00"})
    batch.refresh_from_db()
    assert batch.status == "closed" and batch.credit_amount == Decimal("60.00")
    page = client.get(reverse("purchasing:return", args=[batch.number]))
    assert "60.00" in page.text and "SF9" in page.text


def test_the_printed_list_has_the_goods_and_the_photos(client, purchaser, batch, tmp_path):
    client.force_login(purchaser)

    response = client.get(reverse("purchasing:return_pdf", args=[batch.number]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    path = tmp_path / "batch.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert batch.number in text and "杭州服饰有限公司" in text and "AS26120600000001" in text
    images = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    assert len(images.splitlines()) == 3  # two header lines and the one photo


def test_other_roles_do_not_see_the_returns(client, batch, agent):
    client.force_login(agent)
    assert client.get(reverse("purchasing:returns")).status_code == 403
    assert client.get(reverse("purchasing:return", args=[batch.number])).status_code == 403

"""Evidence: files are judged by their content, photos re-encoded without their metadata,
every stored byte hashed, and a refused file leaves nothing behind."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from sellerdesk.aftersales import evidence
from sellerdesk.aftersales.models import CaseEvent, CaseStatus, Evidence, EvidenceKind
from sellerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from tests.aftersales.evidence_support import (
    MOV_HEAD,
    MP4_HEAD,
    WEBM_HEAD,
    gps_exif,
    image_bytes,
    make_case,
    upload,
)
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return sorted(path for path in media.rglob("*") if path.is_file()) if media.exists() else []


def stored_bytes(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def assert_nothing_written(case, media: Path) -> None:
    assert not Evidence.objects.filter(case=case).exists()
    assert not CaseEvent.objects.filter(case=case, code__startswith="evidence_").exists()
    assert stored_files(media) == []


def test_a_photo_is_re_encoded_hashed_and_given_a_thumbnail(agent, media):
    case = make_case()

    item = evidence.add_file(
        case=case, upload=upload("IMG_0001.JPG", image_bytes(size=(1600, 1200))), caption="裂纹", actor=agent
    )

    assert item.kind == EvidenceKind.PHOTO
    assert item.content_type == "image/jpeg"
    assert (item.width, item.height) == (1600, 1200)
    assert item.file.name.startswith("aftersales/") and item.file.name.endswith(".jpg")
    assert case.number in item.file.name and "IMG_0001" not in item.file.name
    content = stored_bytes(item.file.name)
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert item.size == len(content)
    with Image.open(io.BytesIO(stored_bytes(item.thumbnail.name))) as thumb:
        assert max(thumb.size) == 320 and thumb.format == "JPEG"
    event = CaseEvent.objects.filter(case=case).last()
    assert event.code == evidence.FILE_CODE
    assert event.data["evidence_id"] == item.pk and event.data["sha256"] == item.sha256
    assert event.actor == agent and not event.buyer_visible
    assert len(stored_files(media)) == 2


def test_a_png_named_jpg_is_taken_for_the_png_it_is(agent):
    case = make_case()

    item = evidence.add_file(case=case, upload=upload("photo.jpg", image_bytes("PNG")), actor=agent)

    assert item.content_type == "image/png"
    assert item.file.name.endswith(".png")
    with Image.open(io.BytesIO(stored_bytes(item.file.name))) as stored:
        assert stored.format == "PNG"


def test_a_text_file_named_photo_jpg_is_refused_and_nothing_is_stored(agent, media):
    case = make_case()

    with pytest.raises(ValidationFailed) as refused:
        evidence.add_file(case=case, upload=upload("photo.jpg", b"just some text, not a photo\n"), actor=agent)

    assert "file" in refused.value.fields
    assert refused.value.status == 422
    assert_nothing_written(case, media)


def test_a_broken_jpeg_is_refused(agent, media):
    case = make_case()
    truncated = image_bytes()[:400]

    with pytest.raises(ValidationFailed) as refused:
        evidence.add_file(case=case, upload=upload("photo.jpg", truncated), actor=agent)

    assert "file" in refused.value.fields
    assert_nothing_written(case, media)


def test_a_50_mb_file_is_refused_with_413_and_nothing_is_stored(agent, media):
    case = make_case()
    big = image_bytes() + b"\x00" * (50 * 1024 * 1024)

    with pytest.raises(evidence.EvidenceTooLarge) as refused:
        evidence.add_file(case=case, upload=upload("big.jpg", big), actor=agent)

    assert refused.value.status == 413
    assert refused.value.details["fields"]["file"]
    assert refused.value.details["max_bytes"] == 20 * 1024 * 1024
    assert_nothing_written(case, media)


def test_the_limit_is_the_setting(agent, media, settings):
    settings.SELLERDESK = {
        **settings.SELLERDESK,
        "AFTERSALES": {**settings.SELLERDESK["AFTERSALES"], "MAX_EVIDENCE_BYTES": 1000},
    }
    case = make_case()

    with pytest.raises(evidence.EvidenceTooLarge):
        evidence.add_file(case=case, upload=upload("a.jpg", image_bytes()), actor=agent)

    assert_nothing_written(case, media)


def test_a_decompression_bomb_is_refused_before_it_is_decoded(agent, media):
    buffer = io.BytesIO()
    Image.new("1", (8_000, 7_500)).save(buffer, format="PNG")  # 60 megapixels in a few KB
    case = make_case()

    with pytest.raises(ValidationFailed) as refused:
        evidence.add_file(case=case, upload=upload("bomb.png", buffer.getvalue(), "image/png"), actor=agent)

    assert "file" in refused.value.fields
    assert_nothing_written(case, media)


def test_exif_and_gps_are_gone_after_the_re_encoding(agent):
    original = image_bytes(exif=gps_exif())
    with Image.open(io.BytesIO(original)) as sent:
        assert sent.getexif().get_ifd(0x8825)  # the phone's photo does carry GPS
    case = make_case()

    item = evidence.add_file(case=case, upload=upload("gps.jpg", original), actor=agent)

    for name in (item.file.name, item.thumbnail.name):
        content = stored_bytes(name)
        with Image.open(io.BytesIO(content)) as stored:
            assert len(stored.getexif()) == 0
            assert "exif" not in stored.info
        assert b"PhoneMaker" not in content


def test_the_orientation_is_applied(agent):
    # EXIF orientation 6: the camera held upright, the pixels stored lying on their side.
    case = make_case()

    item = evidence.add_file(
        case=case, upload=upload("side.jpg", image_bytes(size=(800, 600), exif=gps_exif(orientation=6))), actor=agent
    )

    assert (item.width, item.height) == (600, 800)
    with Image.open(io.BytesIO(stored_bytes(item.file.name))) as stored:
        assert stored.size == (600, 800)
        # The blue corner, top-left before turning, is now top-right.
        red, _green, blue = stored.convert("RGB").getpixel((590, 10))
        assert blue > 200 and red < 60


@pytest.mark.parametrize(
    ("head", "content_type", "extension"),
    [(MP4_HEAD, "video/mp4", "mp4"), (MOV_HEAD, "video/quicktime", "mov"), (WEBM_HEAD, "video/webm", "webm")],
)
def test_a_video_is_recognised_by_its_container_and_kept_as_sent(agent, head, content_type, extension):
    case = make_case()
    content = head + b"\x00" * 512

    item = evidence.add_file(case=case, upload=upload("clip.bin", content, "application/octet-stream"), actor=agent)

    assert item.kind == EvidenceKind.VIDEO
    assert item.content_type == content_type
    assert item.file.name.endswith("." + extension)
    assert stored_bytes(item.file.name) == content
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    assert not item.thumbnail


def test_the_buyers_photo_is_on_their_timeline(media):
    case = make_case()

    item = evidence.add_file(case=case, upload=upload("a.jpg", image_bytes()), actor=None, from_buyer=True)

    assert item.from_buyer and item.uploaded_by is None
    event = CaseEvent.objects.filter(case=case).last()
    assert event.by_buyer and event.buyer_visible


def test_the_warehouse_may_photograph_what_came_back_but_a_purchaser_may_not(media):
    case = make_case()
    picker = make_user("picker2", "warehouse")
    purchaser = make_user("buyer1", "purchaser")

    evidence.add_file(case=case, upload=upload("a.jpg", image_bytes()), actor=picker)
    with pytest.raises(PermissionDenied):
        evidence.add_file(case=case, upload=upload("b.jpg", image_bytes(color="green")), actor=purchaser)

    assert Evidence.objects.filter(case=case).count() == 1
    assert len(stored_files(media)) == 2


def test_a_canceled_case_takes_no_evidence(agent, media):
    case = make_case(status=CaseStatus.CANCELED)

    with pytest.raises(Conflict):
        evidence.add_file(case=case, upload=upload("a.jpg", image_bytes()), actor=agent)

    assert_nothing_written(case, media)


def test_a_chat_excerpt_is_kept_as_copied_and_hashed(agent):
    case = make_case()
    text = "买家 10:02: 杯子碎了\n客服 10:03: 请拍照给我们"

    item = evidence.add_text(case=case, kind="chat", text=text, actor=agent)

    assert item.kind == EvidenceKind.CHAT and item.text == text
    assert item.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert not item.file
    event = CaseEvent.objects.filter(case=case).last()
    assert event.code == evidence.TEXT_CODE and not event.buyer_visible


@pytest.mark.parametrize(("kind", "text", "field"), [("chat", "  ", "text"), ("photo", "x", "kind")])
def test_a_bad_excerpt_is_refused(agent, kind, text, field):
    case = make_case()

    with pytest.raises(ValidationFailed) as refused:
        evidence.add_text(case=case, kind=kind, text=text, actor=agent)

    assert field in refused.value.fields
    assert not Evidence.objects.exists()


def test_the_order_record_has_the_lines_payments_and_tracking(agent):
    case = make_case()

    item = evidence.attach_order_record(case=case, actor=agent)

    record = json.loads(item.text)
    order = case.order
    assert record["order"] == order.number
    assert record["total"] == str(order.total)
    assert [payment["reference"] for payment in record["payments"]] == [f"TX-{order.number}"]
    assert record["tracking_number"] == f"SF{order.number}"
    assert record["parcels"] == []  # shipped by hand: no parcel booked through a carrier
    assert "13800138000" not in item.text  # the buyer's phone stays on the order
    assert item.sha256 == hashlib.sha256(item.text.encode()).hexdigest()
    event = CaseEvent.objects.filter(case=case).last()
    assert event.data["parcels"] == 0 and event.data["payments"] == 1


def test_open_evidence_reads_the_stored_file_and_its_thumbnail(agent):
    case = make_case()
    item = evidence.add_file(case=case, upload=upload("a.png", image_bytes("PNG")), actor=agent)

    opened = evidence.open_evidence(item)
    with opened.file:
        assert hashlib.sha256(opened.file.read()).hexdigest() == item.sha256
    assert opened.content_type == "image/png" and opened.filename.endswith(".png")
    thumb = evidence.open_evidence(item, "thumbnail")
    with thumb.file:
        assert thumb.file.read()[:4] == b"\x89PNG" or thumb.content_type == "image/jpeg"

    text = evidence.add_text(case=case, kind="chat", text="hi", actor=agent)
    with pytest.raises(LookupError):
        evidence.open_evidence(text)


def test_staff_see_the_files_through_the_permission_checked_view(agent, client):
    case = make_case()
    item = evidence.add_file(case=case, upload=upload("a.jpg", image_bytes()), actor=agent)
    url = reverse("aftersales:evidence_file", args=[item.pk])

    assert client.get(url).status_code == 302  # to the login page
    client.force_login(make_user("supplier1", "supplier"))
    assert client.get(url).status_code == 403

    client.force_login(agent)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == item.sha256
    thumb = client.get(url, {"variant": "thumbnail"})
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"
    assert client.get(url, {"variant": "../../etc/passwd"}).status_code == 404
    assert client.get(reverse("aftersales:evidence_file", args=[item.pk + 999])).status_code == 404


def test_the_order_record_lists_each_parcel_with_its_tracking():
    from sellerdesk.logistics.models import TrackingEvent
    from tests.logistics.helpers import T0, carriers, shipped

    carriers()
    shipment = shipped()
    TrackingEvent.objects.create(
        shipment=shipment,
        carrier=shipment.carrier,
        carrier_event_id="e1",
        kind="in_transit",
        at=T0 + timedelta(hours=5),
        location="杭州转运中心",
        description="已到达",
        source="poll",
        received_at=T0 + timedelta(hours=5),
    )

    record = evidence.order_record(shipment.order)

    [parcel] = record["parcels"]
    assert (parcel["carrier"], parcel["tracking_number"], parcel["direction"]) == (
        "ZTO",
        shipment.tracking_number,
        "outbound",
    )
    assert [(row["location"], row["description"]) for row in parcel["tracking"]] == [("杭州转运中心", "已到达")]
    assert json.loads(evidence.canonical_json(record)) == record

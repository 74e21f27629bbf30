"""The return/exchange form (商品退换流程表) opens back as text in the reader's language,
with the buyer's photos on its back page."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.translation import gettext as _

from sellerdesk.aftersales import actions, disputes, documents, evidence
from sellerdesk.aftersales.models import CaseType
from tests.aftersales.evidence_support import image_bytes, make_case, upload
from tests.factories import make_user
from tests.support.pdf_text import assert_labels, rendered_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def text_of(content: bytes, tmp_path: Path, *, page: int | None = None) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(content)
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", "-layout", *pages, str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def images_on(content: bytes, tmp_path: Path) -> list[int]:
    """The page number of each image in the PDF (pdfimages -list)."""
    path = tmp_path / "images.pdf"
    path.write_bytes(content)
    listing = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    return [int(row.split()[0]) for row in listing.splitlines()[2:] if row.strip()]


@pytest.fixture
def case(agent):
    case = make_case(description="杯子有裂纹")
    evidence.add_file(case=case, upload=upload("a.jpg", image_bytes()), caption="裂纹特写", actor=None, from_buyer=True)
    evidence.add_file(case=case, upload=upload("b.png", image_bytes("PNG", color="green")), actor=None, from_buyer=True)
    evidence.add_file(case=case, upload=upload("c.jpg", image_bytes(color="gray")), actor=agent)  # the agent's own
    supervisor = make_user("boss", "supervisor", "王主管")
    return actions.approve_case(case=case, actor=supervisor, note="同意退货,运费我方承担")


def test_the_form_in_chinese(case, tmp_path):
    with translation.override("zh-hans"):
        content = documents.return_form_pdf(case)
        title = _("Return and exchange form")

    front = text_of(content, tmp_path, page=1)
    order = case.order
    assert title in front and case.number in front
    for label in ("日期", "客户", "地址", "手机号", "订单号", "处理人"):
        assert label in front
    assert "张三" in front and "13800138000" in front
    assert "浙江省杭州市西湖区文三路 90 号" in front
    assert order.number in front and f"SF{order.number}" in front  # the shipment number
    assert "杯子有裂纹" in front
    assert "同意退货,运费我方承担" in front  # 领导批示
    assert "王主管" in front
    assert "Date" not in front and "Customer" not in front


def test_the_form_in_english(case, tmp_path):
    with translation.override("en"):
        content = documents.return_form_pdf(case)

    front = text_of(content, tmp_path, page=1)
    for label in (
        "Return and exchange form",
        "Date",
        "Customer",
        "Address",
        "Phone",
        "Order number",
        "Shipment no.",
        "Reason",
        "Handled by",
        "Opinion",
        "Approval",
    ):
        assert label in front, label
    assert "Quality problem" in front  # the reason's label
    assert "张三" in front and case.order.number in front
    assert "同意退货,运费我方承担" in front


def test_the_buyers_photos_are_on_the_back_page(case, tmp_path):
    with translation.override("en"):
        content = documents.return_form_pdf(case)

    assert images_on(content, tmp_path) == [2, 2]  # the buyer's two photos, not the agent's
    back = text_of(content, tmp_path, page=2)
    assert "Photos from the buyer" in back and "裂纹特写" in back
    photo = case.evidence.filter(from_buyer=True).first()
    assert photo.sha256[:12] in back


def test_a_complaint_without_photos_still_prints(agent, tmp_path):
    complaint = make_case(type=CaseType.COMPLAINT, reason="service", description="客服态度差")

    with translation.override("en"):
        content = documents.return_form_pdf(complaint)

    assert images_on(content, tmp_path) == []
    assert "No photos." in text_of(content, tmp_path, page=2)


def test_a_ruling_prints_as_the_approval(agent, tmp_path):
    case = make_case()
    disputes.open_dispute(case=case, reason="x", actor=agent)
    disputes.rule_dispute(case=case, outcome="partial", ruling="退一半货款", actor=make_user("boss2", "supervisor"))
    case.refresh_from_db()

    with translation.override("en"):
        front = text_of(documents.return_form_pdf(case), tmp_path, page=1)

    assert "退一半货款" in front


@pytest.mark.parametrize(
    ("language", "labels"),
    [
        ("zh-hans", ["商品退换流程表", "日期", "客户", "地址", "手机号", "订单号", "出货单号", "处理人", "领导批示"]),
        ("en", ["Return and exchange form", "Date", "Customer", "Order number", "Shipment no.", "Approval"]),
    ],
)
def test_the_form_reads_its_field_labels_and_no_date_range_words(case, tmp_path, language, labels):
    """Issue 17 C: every PDF in both languages — the return form's field labels."""
    assert_labels(rendered_in(language, lambda: documents.return_form_pdf(case), tmp_path), labels)

"""Disputes: the frozen evidence bundle and its hash, the supervisor's ruling, the
marketplace's mediation, and the review (复盘) that finishes a disputed case."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from sellerdesk.aftersales import disputes, evidence
from sellerdesk.aftersales.models import Case, CaseEvent, CaseMessage, CaseStatus, Dispute
from sellerdesk.core.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from sellerdesk.notifications.models import OutgoingMessage
from tests.aftersales.evidence_support import image_bytes, make_case, upload
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def supervisor(db):
    return make_user("boss", "supervisor", "主管")


@pytest.fixture
def case_with_evidence(agent):
    case = make_case(status=CaseStatus.REJECTED, rejection_reason="人为损坏")
    CaseMessage.objects.create(case=case, from_buyer=True, body="杯子到手就是裂的", at=timezone.now())
    evidence.add_file(case=case, upload=upload("crack.jpg", image_bytes()), actor=None, from_buyer=True)
    evidence.add_text(case=case, kind="chat", text="买家: 到手就裂了\n客服: 请拍照", actor=agent)
    evidence.attach_order_record(case=case, actor=agent)
    return case


def test_opening_a_dispute_freezes_the_bundle_with_its_hash(agent, case_with_evidence):
    case = case_with_evidence
    photo = case.evidence.get(kind="photo")

    dispute = disputes.open_dispute(case=case, reason="买家不认可拒绝理由", actor=agent)

    case.refresh_from_db()
    assert case.status == CaseStatus.DISPUTED
    bundle = dispute.bundle
    assert bundle["dispute_reason"] == "买家不认可拒绝理由"
    assert bundle["case"]["number"] == case.number and bundle["case"]["status"] == "rejected"
    assert [message["body"] for message in bundle["messages"]] == ["杯子到手就是裂的"]
    assert [item["kind"] for item in bundle["excerpts"]] == ["chat", "order_record"]
    assert bundle["order"]["payments"][0]["reference"] == f"TX-{case.order.number}"
    assert bundle["order"]["tracking_number"] == f"SF{case.order.number}"
    assert [(item["evidence_id"], item["sha256"]) for item in bundle["files"]] == [(photo.pk, photo.sha256)]
    assert [row["code"] for row in bundle["timeline"]] == [
        "case_opened",
        "case_rejected",
        evidence.FILE_CODE,
        evidence.TEXT_CODE,
        evidence.ORDER_RECORD_CODE,
    ]
    canonical = json.dumps(bundle, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert dispute.bundle_sha256 == hashlib.sha256(canonical.encode()).hexdigest()
    event = CaseEvent.objects.filter(case=case).last()
    assert event.code == disputes.OPENED_CODE and event.status_after == "disputed"
    assert event.data["bundle_sha256"] == dispute.bundle_sha256


def test_the_frozen_bundle_verifies_and_later_evidence_does_not_change_it(agent, case_with_evidence):
    case = case_with_evidence
    dispute = disputes.open_dispute(case=case, reason="不认可", actor=None, by_buyer=True)
    frozen = (dict(dispute.bundle), dispute.bundle_sha256)

    evidence.add_file(case=case, upload=upload("more.jpg", image_bytes(color="green")), actor=agent)

    dispute = Dispute.objects.get(pk=dispute.pk)
    assert (dispute.bundle, dispute.bundle_sha256) == frozen
    assert len(dispute.bundle["files"]) == 1
    check = disputes.verify_bundle(dispute)
    assert check.is_intact and check.bundle_intact and check.changed_files == []


def test_a_tampered_bundle_or_file_is_found_out(agent, case_with_evidence):
    dispute = disputes.open_dispute(case=case_with_evidence, reason="不认可", actor=agent)
    photo = case_with_evidence.evidence.get(kind="photo")

    dispute.bundle["case"]["rejection_reason"] = "改过的理由"
    assert not disputes.verify_bundle(dispute, check_files=False).bundle_intact

    dispute.refresh_from_db()
    default_storage.delete(photo.file.name)
    default_storage.save(photo.file.name, upload("x.jpg", image_bytes(color="yellow")))
    check = disputes.verify_bundle(dispute)
    assert check.bundle_intact and check.changed_files == [photo.pk] and not check.is_intact


def test_a_case_is_disputed_once_and_only_from_a_status_that_allows_it(agent):
    case = make_case(status=CaseStatus.CANCELED)
    with pytest.raises(InvalidTransition):
        disputes.open_dispute(case=case, reason="x", actor=agent)
    assert not Dispute.objects.exists()
    assert not CaseEvent.objects.filter(case=case, code=disputes.OPENED_CODE).exists()

    case = make_case()
    disputes.open_dispute(case=case, reason="x", actor=agent)
    with pytest.raises(Conflict):
        disputes.open_dispute(case=case, reason="again", actor=agent)
    assert Dispute.objects.count() == 1


def test_a_dispute_needs_a_reason(agent):
    case = make_case()
    with pytest.raises(ValidationFailed) as refused:
        disputes.open_dispute(case=case, reason="   ", actor=agent)
    assert "reason" in refused.value.fields
    case.refresh_from_db()
    assert case.status == CaseStatus.REQUESTED and not Dispute.objects.exists()


@pytest.mark.parametrize(
    ("outcome", "status", "note"),
    [
        ("buyer", CaseStatus.APPROVED, "支持买家"),
        ("partial", CaseStatus.APPROVED, "退一半"),
        ("seller", CaseStatus.CLOSED, ""),
    ],
)
def test_the_supervisors_ruling_moves_the_case(agent, supervisor, outcome, status, note):
    case = make_case()
    disputes.open_dispute(case=case, reason="x", actor=agent)
    ruling = note or "买家人为损坏,不予退款"

    dispute = disputes.rule_dispute(case=case, outcome=outcome, ruling=ruling, actor=supervisor)

    case.refresh_from_db()
    assert case.status == status
    assert (dispute.ruling_outcome, dispute.ruling, dispute.ruled_by) == (outcome, ruling, supervisor)
    if status == CaseStatus.APPROVED:
        assert case.approval_note == ruling and case.closed_at is None
    else:
        assert case.closed_at is not None
    event = CaseEvent.objects.filter(case=case).last()
    assert event.code == disputes.RULED_CODE and event.data["ruling"] == ruling
    told = list(OutgoingMessage.objects.filter(order=case.order, kind="aftersales", channel="in_site").order_by("pk"))
    assert len(told) == 3  # the case opened, the dispute opened, the ruling
    assert case.number in told[1].text and ruling in told[2].text


def test_only_a_supervisor_rules_and_only_in_writing_and_once(agent, supervisor):
    case = make_case()
    disputes.open_dispute(case=case, reason="x", actor=agent)

    with pytest.raises(PermissionDenied):
        disputes.rule_dispute(case=case, outcome="buyer", ruling="ok", actor=agent)
    with pytest.raises(ValidationFailed) as refused:
        disputes.rule_dispute(case=case, outcome="buyer", ruling=" ", actor=supervisor)
    assert "ruling" in refused.value.fields
    with pytest.raises(ValidationFailed) as refused:
        disputes.rule_dispute(case=case, outcome="both", ruling="x", actor=supervisor)
    assert "outcome" in refused.value.fields
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPUTED and not Dispute.objects.get(case=case).ruling

    disputes.rule_dispute(case=case, outcome="seller", ruling="不支持", actor=supervisor)
    with pytest.raises(Conflict):
        disputes.rule_dispute(case=case, outcome="buyer", ruling="改判", actor=supervisor)


def test_ruling_without_a_dispute_is_not_found(supervisor):
    with pytest.raises(NotFound):
        disputes.rule_dispute(case=make_case(), outcome="buyer", ruling="x", actor=supervisor)


def test_the_marketplaces_mediation_is_recorded(agent):
    case = make_case()
    disputes.open_dispute(case=case, reason="x", actor=agent)

    dispute = disputes.record_mediation(
        case=case, platform="天猫小二", reference="TM-88231", outcome="支持买家退货退款", actor=agent
    )

    assert (dispute.mediation_platform, dispute.mediation_reference) == ("天猫小二", "TM-88231")
    assert dispute.mediation_outcome == "支持买家退货退款" and dispute.mediated_at is not None
    case.refresh_from_db()
    assert case.status == CaseStatus.DISPUTED
    assert CaseEvent.objects.filter(case=case).last().code == disputes.MEDIATION_CODE
    with pytest.raises(ValidationFailed) as refused:
        disputes.record_mediation(case=case, platform="", reference="R", outcome="o", actor=agent)
    assert "platform" in refused.value.fields


def test_a_ruled_dispute_waits_for_its_review_and_then_is_finished(agent, supervisor):
    case = make_case()
    untouched = make_case()
    disputes.open_dispute(case=case, reason="x", actor=agent)
    assert list(disputes.cases_to_review()) == []
    with pytest.raises(Conflict):
        disputes.review_case(case=case, cause="packaging", note="n", actor=supervisor)

    disputes.rule_dispute(case=case, outcome="seller", ruling="不支持", actor=supervisor)
    assert list(disputes.cases_to_review()) == [case]
    case.refresh_from_db()
    assert not disputes.is_finished(case)
    with pytest.raises(PermissionDenied):
        disputes.review_case(case=case, cause="packaging", note="n", actor=agent)
    with pytest.raises(ValidationFailed) as refused:
        disputes.review_case(case=case, cause="weather", note="n", actor=supervisor)
    assert "cause" in refused.value.fields

    reviewed = disputes.review_case(case=case, cause="packaging", note="易碎品加气泡膜", actor=supervisor)

    assert (reviewed.review_cause, reviewed.review_note, reviewed.reviewed_by) == (
        "packaging",
        "易碎品加气泡膜",
        supervisor,
    )
    assert list(disputes.cases_to_review()) == []
    assert disputes.is_finished(Case.objects.get(pk=case.pk))
    assert not disputes.is_finished(untouched)
    event = CaseEvent.objects.filter(case=case).last()
    assert event.code == disputes.REVIEWED_CODE and not event.buyer_visible

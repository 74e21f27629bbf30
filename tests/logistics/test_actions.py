"""create_carrier and replace_coverage: permissions, validation, audit."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError as DjangoValidationError

from sellerdesk.core.errors import Conflict, PermissionDenied, ValidationFailed
from sellerdesk.logistics.actions import CoverageRule, clear_coverage, create_carrier, replace_coverage
from sellerdesk.logistics.models import Carrier, CarrierCoverage, CarrierEvent
from tests.factories import make_user

R = CoverageRule


def coverage(carrier: Carrier) -> list[tuple[str, str, str, bool]]:
    return list(
        CarrierCoverage.objects.filter(carrier=carrier)
        .order_by("pk")
        .values_list("province", "city", "district", "is_excluded")
    )


def test_create_carrier_writes_the_carrier_and_an_event(owner: Any) -> None:
    carrier = create_carrier(actor=owner, code="DBL", name="德邦快递", supports_cod=True)

    assert (carrier.code, carrier.name, carrier.supports_cod, carrier.is_active) == ("DBL", "德邦快递", True, True)
    event = CarrierEvent.objects.get(carrier=carrier)
    assert (event.type, event.actor, event.data) == (
        "created",
        owner,
        {"code": "DBL", "name": "德邦快递", "supports_cod": True, "is_active": True},
    )


def test_a_duplicate_carrier_code_is_a_conflict_and_changes_nothing(owner: Any) -> None:
    create_carrier(actor=owner, code="DBL", name="德邦快递")

    with pytest.raises(Conflict) as raised:
        create_carrier(actor=owner, code="DBL", name="另一个")

    assert (raised.value.code, raised.value.details) == ("duplicate_carrier", {"field": "code"})
    assert list(Carrier.objects.values_list("code", "name")) == [("DBL", "德邦快递")]
    assert CarrierEvent.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "may_edit"), [("owner", True), ("supervisor", True), ("agent", False), ("warehouse", False)]
)
def test_only_owners_and_supervisors_edit_carriers(db: Any, role: str, may_edit: bool) -> None:
    user = make_user("someone", role)
    carrier = Carrier.objects.create(code="TEST", name="测试快递")

    if may_edit:
        replace_coverage(actor=user, carrier=carrier, rules=[R("浙江省")])
        assert coverage(carrier) == [("浙江省", "", "", False)]
    else:
        with pytest.raises(PermissionDenied):
            replace_coverage(actor=user, carrier=carrier, rules=[R("浙江省")])
        with pytest.raises(PermissionDenied):
            create_carrier(actor=user, code="NEW", name="新快递")
        assert coverage(carrier) == []
        assert list(Carrier.objects.values_list("code", flat=True)) == ["TEST"]


def test_replace_coverage_spells_names_in_full_and_audits_before_and_after(owner: Any) -> None:
    carrier = Carrier.objects.create(code="TEST", name="测试快递")
    replace_coverage(actor=owner, carrier=carrier, rules=[R("江苏省")])

    replace_coverage(
        actor=owner,
        carrier=carrier,
        rules=[R("浙江"), R("浙江", "杭州", "淳安", is_excluded=True), R("北京", "市辖区")],
    )

    assert coverage(carrier) == [
        ("浙江省", "", "", False),
        ("浙江省", "杭州市", "淳安县", True),
        ("北京市", "北京市", "", False),
    ]
    event = CarrierEvent.objects.filter(carrier=carrier).last()
    assert event is not None
    assert (event.type, event.actor, event.data) == (
        "coverage_replaced",
        owner,
        {
            "before": [["江苏省", "", "", False]],
            "after": [["浙江省", "", "", False], ["浙江省", "杭州市", "淳安县", True], ["北京市", "北京市", "", False]],
        },
    )


def test_replacing_coverage_with_the_same_rules_writes_nothing(owner: Any) -> None:
    carrier = Carrier.objects.create(code="TEST", name="测试快递")
    replace_coverage(actor=owner, carrier=carrier, rules=[R("浙江省")])
    rows = list(CarrierCoverage.objects.values_list("pk", flat=True))

    replace_coverage(actor=owner, carrier=carrier, rules=[R("浙江")])

    assert list(CarrierCoverage.objects.values_list("pk", flat=True)) == rows
    assert CarrierEvent.objects.count() == 1


def test_clear_coverage_removes_every_rule(owner: Any) -> None:
    carrier = Carrier.objects.create(code="TEST", name="测试快递")
    replace_coverage(actor=owner, carrier=carrier, rules=[R("浙江省"), R("江苏省")])

    clear_coverage(actor=owner, carrier=carrier)

    assert coverage(carrier) == []
    assert CarrierEvent.objects.filter(carrier=carrier).count() == 2


@pytest.mark.parametrize(
    ("rules", "fields"),
    [
        ([R("火星")], {"rules[0].province": "火星 is not a province of China"}),
        ([R("浙江省"), R("浙江省", "南京市")], {"rules[1].city": "南京市 is not a city of 浙江省"}),
        ([R("浙江省", "杭州市", "朝阳区")], {"rules[0].district": "朝阳区 is not a district of 杭州市"}),
        ([R("浙江省", "", "西湖区")], {"rules[0].city": "give the city of the district"}),
        (
            [R("火星"), R("浙江省", "杭州市", "朝阳区")],
            {
                "rules[0].province": "火星 is not a province of China",
                "rules[1].district": "朝阳区 is not a district of 杭州市",
            },
        ),
    ],
)
def test_unknown_areas_are_refused_naming_each_field_and_nothing_changes(
    owner: Any, rules: list[CoverageRule], fields: dict[str, str]
) -> None:
    carrier = Carrier.objects.create(code="TEST", name="测试快递")
    replace_coverage(actor=owner, carrier=carrier, rules=[R("江苏省")])

    with pytest.raises(ValidationFailed) as raised:
        replace_coverage(actor=owner, carrier=carrier, rules=rules)

    assert raised.value.fields == fields
    assert coverage(carrier) == [("江苏省", "", "", False)]
    assert CarrierEvent.objects.count() == 1


def test_an_area_given_twice_is_a_conflict_even_spelled_differently(owner: Any) -> None:
    carrier = Carrier.objects.create(code="TEST", name="测试快递")

    with pytest.raises(Conflict) as raised:
        replace_coverage(actor=owner, carrier=carrier, rules=[R("浙江省"), R("江苏省"), R("浙江", is_excluded=True)])

    assert (raised.value.code, raised.value.details) == (
        "duplicate_coverage",
        {"field": "rules[2]", "duplicate_of": "rules[0]"},
    )
    assert coverage(carrier) == []
    assert CarrierEvent.objects.count() == 0


def test_the_admin_form_check_spells_areas_in_full_and_refuses_unknown_ones(db: Any) -> None:
    carrier = Carrier.objects.create(code="TEST", name="测试快递")
    good = CarrierCoverage(carrier=carrier, province="浙江", city="杭州", district="淳安", is_excluded=True)
    bad = CarrierCoverage(carrier=carrier, province="浙江省", city="杭州市", district="朝阳区")

    good.full_clean()
    with pytest.raises(DjangoValidationError):
        bad.full_clean()

    assert (good.province, good.city, good.district) == ("浙江省", "杭州市", "淳安县")

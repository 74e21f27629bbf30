"""Every write to carriers and their coverage."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core import refcache
from sellerdesk.core.addresses import canonical_division
from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.logistics.models import Carrier, CarrierCoverage, CarrierEvent, CarrierEventType


@dataclass(frozen=True)
class CoverageRule:
    """An area served (or, with is_excluded, not served); blank city = whole province,
    blank district = whole city."""

    province: str
    city: str = ""
    district: str = ""
    is_excluded: bool = False


def create_carrier(
    *, actor: User | None, code: str, name: str, supports_cod: bool = False, is_active: bool = True
) -> Carrier:
    require(actor, "logistics.edit")
    try:
        with transaction.atomic():
            carrier = Carrier.objects.create(code=code, name=name, supports_cod=supports_cod, is_active=is_active)
            CarrierEvent.objects.create(
                carrier=carrier,
                type=CarrierEventType.CREATED,
                actor=actor,
                at=timezone.now(),
                data={"code": code, "name": name, "supports_cod": supports_cod, "is_active": is_active},
            )
    except IntegrityError:
        raise Conflict(
            "duplicate_carrier", _("Carrier %(code)s exists already.") % {"code": code}, details={"field": "code"}
        ) from None
    return carrier


def _canonical_rules(rules: list[CoverageRule]) -> list[CoverageRule]:
    """The rules with full division names; 422 naming every unknown part, 409 on an area
    given twice."""
    errors: dict[str, str] = {}
    canonical: list[CoverageRule] = []
    for index, rule in enumerate(rules):
        where = f"rules[{index}]"
        if rule.district.strip() and not rule.city.strip():
            errors[f"{where}.city"] = _("give the city of the district")
            continue
        if canonical_division(rule.province) is None:
            errors[f"{where}.province"] = _("%(name)s is not a province of China") % {"name": rule.province}
            continue
        if rule.city.strip() and canonical_division(rule.province, rule.city) is None:
            errors[f"{where}.city"] = _("%(name)s is not a city of %(province)s") % {
                "name": rule.city,
                "province": rule.province,
            }
            continue
        area = canonical_division(rule.province, rule.city, rule.district)
        if area is None:
            errors[f"{where}.district"] = _("%(name)s is not a district of %(city)s") % {
                "name": rule.district,
                "city": rule.city,
            }
            continue
        canonical.append(CoverageRule(area.province, area.city, area.district, rule.is_excluded))
    if errors:
        raise ValidationFailed(errors)
    seen: dict[tuple[str, str, str], int] = {}
    for index, rule in enumerate(canonical):
        key = (rule.province, rule.city, rule.district)
        if key in seen:
            raise Conflict(
                "duplicate_coverage",
                _("The area %(area)s is given twice (rules %(first)d and %(second)d).")
                % {"area": " ".join(part for part in key if part), "first": seen[key], "second": index},
                details={"field": f"rules[{index}]", "duplicate_of": f"rules[{seen[key]}]"},
            )
        seen[key] = index
    return canonical


def _as_data(rule: CoverageRule | CarrierCoverage) -> list[str | bool]:
    return [rule.province, rule.city, rule.district, rule.is_excluded]


def replace_coverage(*, actor: User | None, carrier: Carrier, rules: list[CoverageRule]) -> list[CarrierCoverage]:
    """Make `rules` the carrier's whole coverage (an empty list: it reaches nowhere)."""
    require(actor, "logistics.edit")
    canonical = _canonical_rules(rules)
    with transaction.atomic():
        locked = Carrier.objects.select_for_update().get(pk=carrier.pk)
        before = list(CarrierCoverage.objects.filter(carrier=locked).order_by("pk"))
        if [_as_data(row) for row in before] == [_as_data(rule) for rule in canonical]:
            return before
        CarrierCoverage.objects.filter(carrier=locked).delete()
        created = CarrierCoverage.objects.bulk_create(
            [
                CarrierCoverage(
                    carrier=locked,
                    province=rule.province,
                    city=rule.city,
                    district=rule.district,
                    is_excluded=rule.is_excluded,
                )
                for rule in canonical
            ]
        )
        CarrierEvent.objects.create(
            carrier=locked,
            type=CarrierEventType.COVERAGE_REPLACED,
            actor=actor,
            at=timezone.now(),
            data={"before": [_as_data(row) for row in before], "after": [_as_data(rule) for rule in canonical]},
        )
        transaction.on_commit(refcache.forget_all)
    return created


def clear_coverage(*, actor: User | None, carrier: Carrier) -> None:
    replace_coverage(actor=actor, carrier=carrier, rules=[])

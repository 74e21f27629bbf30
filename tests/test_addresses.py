"""Addresses checked against the administrative divisions (jionlp's tables), and phones."""

from __future__ import annotations

import pytest
from django.utils import translation

from sellerdesk.core.addresses import (
    AddressCheck,
    AddressProblem,
    ParsedAddress,
    canonical_division,
    check_address,
    check_phone,
    normalize_phone,
    normalize_province,
    parse_address,
)


def codes(check: AddressCheck) -> list[tuple[str, str]]:
    return [(problem.field, problem.code) for problem in check.problems]


VALID = [
    # (province, city, district, detail) exactly as a well-kept order has them
    ("浙江省", "杭州市", "西湖区", "文三路90号"),
    ("浙江省", "杭州市", "临平区", "南苑街道世纪大道1号"),  # a district created in 2021
    ("北京市", "北京市", "朝阳区", "建国路88号"),
    ("上海市", "上海市", "浦东新区", "世纪大道100号"),
    ("重庆市", "重庆市", "云阳县", "青龙街道1号"),
    ("广西壮族自治区", "南宁市", "青秀区", "民族大道100号"),
    ("内蒙古自治区", "呼和浩特市", "新城区", "新华大街1号"),
    ("新疆维吾尔自治区", "阿克苏地区", "库车市", "天山路1号"),  # county-level city since 2019
    ("西藏自治区", "阿里地区", "改则县", "改则镇1号"),
    ("江苏省", "苏州市", "昆山市", "前进中路1号"),  # county-level city within a city
    ("湖北省", "仙桃市", "", "仙桃大道1号"),  # county-level city under the province itself
    ("广东省", "东莞市", "", "长安镇振安路1号"),  # a city without districts
    ("广东省", "东莞市", "长安镇", "振安路1号"),
    ("吉林省", "吉林市", "船营区", "北京路1号"),
]


@pytest.mark.parametrize(("province", "city", "district", "detail"), VALID)
def test_a_real_address_written_in_full_is_valid_and_needs_no_suggestion(
    province: str, city: str, district: str, detail: str
) -> None:
    assert check_address(province, city, district, detail) == AddressCheck(True, [], None)


SPELLED_SHORT = [
    (("浙江", "杭州", "西湖", "文三路90号"), ("浙江省", "杭州市", "西湖区", "文三路90号")),
    (("北京市", "市辖区", "朝阳区", "建国路88号"), ("北京市", "北京市", "朝阳区", "建国路88号")),
    (("上海", "", "黄浦区", "南京东路1号"), ("上海市", "上海市", "黄浦区", "南京东路1号")),
    (("湖北省", "省直辖县级行政区划", "仙桃市", "仙桃大道1号"), ("湖北省", "仙桃市", "", "仙桃大道1号")),
    (
        ("新疆", "巴州", "库尔勒市", "人民东路1号"),
        ("新疆维吾尔自治区", "巴音郭楞蒙古自治州", "库尔勒市", "人民东路1号"),
    ),
    (("浙江省", "杭州市", "西湖区", "浙江省杭州市文三路90号"), ("浙江省", "杭州市", "西湖区", "文三路90号")),
]


@pytest.mark.parametrize(("given", "spelled_out"), SPELLED_SHORT)
def test_short_or_repeated_names_are_valid_and_spelled_out_in_the_suggestion(
    given: tuple[str, str, str, str], spelled_out: tuple[str, str, str, str]
) -> None:
    assert check_address(*given) == AddressCheck(True, [], ParsedAddress(*spelled_out))


WRONG = [
    # given, the problems, the suggested address (None: no single real place fits)
    (("浙江省", "杭州市", "朝阳区", "文三路90号"), [("district", "district_not_in_city")], None),
    (
        ("浙江省", "杭州市", "朝阳区", "西湖区文三路90号"),
        [("district", "district_not_in_city")],
        ("浙江省", "杭州市", "西湖区", "文三路90号"),
    ),
    (
        ("浙江省", "杭州市", "西湖景区", "龙井路1号"),
        [("district", "district_not_in_city")],
        ("浙江省", "杭州市", "西湖区", "龙井路1号"),
    ),
    (  # renamed in 2021
        ("浙江省", "杭州市", "江干区", "钱江路1号"),
        [("district", "district_not_in_city")],
        ("浙江省", "杭州市", "上城区", "钱江路1号"),
    ),
    (  # the district is in another city of the province
        ("浙江省", "杭州市", "鄞州区", "天童南路1号"),
        [("district", "district_not_in_city")],
        ("浙江省", "宁波市", "鄞州区", "天童南路1号"),
    ),
    (
        ("浙江省", "杭州市", "", "浙江省杭州市西湖区文三路90号"),
        [("district", "district_missing")],
        ("浙江省", "杭州市", "西湖区", "文三路90号"),
    ),
    (("浙江省", "杭州市", "", "文三路90号"), [("district", "district_missing")], None),
    (
        ("浙江省", "南京市", "鼓楼区", "中山路1号"),
        [("city", "city_not_in_province")],
        ("江苏省", "南京市", "鼓楼区", "中山路1号"),
    ),
    (
        ("江苏省", "杭州市", "西湖区", "文三路90号"),
        [("city", "city_not_in_province")],
        ("浙江省", "杭州市", "西湖区", "文三路90号"),
    ),
    (("浙江省", "", "", "文三路90号"), [("city", "city_missing")], None),
    (
        ("火星省", "杭州市", "西湖区", "文三路90号"),
        [("province", "province_unknown")],
        ("浙江省", "杭州市", "西湖区", "文三路90号"),
    ),
    (("", "", "", "文三路90号"), [("province", "province_missing")], None),
    (("北京市", "北京市", "西湖区", "建国路88号"), [("district", "district_not_in_city")], None),
    (
        ("浙江省", "杭州市", "西湖区", ""),
        [("detail", "detail_missing")],
        None,
    ),
]


@pytest.mark.parametrize(("given", "problems", "suggestion"), WRONG)
def test_a_wrong_or_missing_part_is_a_problem_with_a_suggestion_when_one_place_fits(
    given: tuple[str, str, str, str],
    problems: list[tuple[str, str]],
    suggestion: tuple[str, str, str, str] | None,
) -> None:
    check = check_address(*given)

    assert check.is_valid is False
    assert codes(check) == problems
    assert check.suggestion == (ParsedAddress(*suggestion) if suggestion else None)


def test_the_wrong_district_of_the_issue_is_explained_in_the_language_of_the_request() -> None:
    with translation.override("en"):
        check = check_address("浙江省", "杭州市", "朝阳区", "西湖区文三路90号")

    assert check.problems == [AddressProblem("district", "district_not_in_city", "朝阳区 is not a district of 杭州市.")]


def test_several_problems_are_all_listed() -> None:
    check = check_address("浙江省", "杭州市", "", "")

    assert codes(check) == [("detail", "detail_missing"), ("district", "district_missing")]
    assert check.suggestion is None


@pytest.mark.parametrize(
    ("phone", "problems"),
    [
        ("13800138000", []),
        ("138 0013 8000", []),
        ("+86 138-0013-8000", []),
        ("0571-88888888", []),
        ("010 12345678", []),
        ("", [("phone", "phone_missing")]),
        ("   ", [("phone", "phone_missing")]),
        ("12345", [("phone", "phone_invalid")]),
        ("10000000000", [("phone", "phone_invalid")]),
        ("+1 202 555 0100", [("phone", "phone_invalid")]),
    ],
)
def test_phone_must_be_a_mainland_mobile_or_landline(phone: str, problems: list[tuple[str, str]]) -> None:
    assert [(problem.field, problem.code) for problem in check_phone(phone)] == problems


@pytest.mark.parametrize(
    ("given", "canonical"),
    [
        (("浙江",), ("浙江省", "", "", "")),
        (("浙江", "杭州"), ("浙江省", "杭州市", "", "")),
        (("浙江", "杭州", "西湖"), ("浙江省", "杭州市", "西湖区", "")),
        (("北京市", "市辖区", "朝阳区"), ("北京市", "北京市", "朝阳区", "")),
        (("湖北省", "省直辖县级行政区划", "仙桃市"), ("湖北省", "仙桃市", "", "")),
        (("西藏", "阿里地区"), ("西藏自治区", "阿里地区", "", "")),
    ],
)
def test_canonical_division_spells_a_real_area_in_full(
    given: tuple[str, ...], canonical: tuple[str, str, str, str]
) -> None:
    assert canonical_division(*given) == ParsedAddress(*canonical)


@pytest.mark.parametrize(
    "given", [("火星",), ("浙江省", "南京市"), ("浙江省", "杭州市", "朝阳区"), ("浙江省", "", "西湖区")]
)
def test_canonical_division_is_none_for_an_area_that_does_not_exist(given: tuple[str, ...]) -> None:
    assert canonical_division(*given) is None


def test_the_intake_helpers_keep_their_behaviour() -> None:
    assert parse_address("浙江省杭州市西湖区文三路90号") == ParsedAddress("浙江省", "杭州市", "西湖区", "文三路90号")
    assert normalize_province("广西") == "广西壮族自治区"
    assert normalize_phone("138-0013-8000") == "13800138000"

"""Chinese postal addresses: the minimal checks of intake.

The full parsing against the administrative-division tables (district within city,
suggestions) belongs to order review; intake only refuses what cannot be an address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

PROVINCES = (
    "北京市",
    "天津市",
    "上海市",
    "重庆市",
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
    "香港特别行政区",
    "澳门特别行政区",
)
MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_SHORT = {name: name for name in PROVINCES}
for _name in PROVINCES:
    for _suffix in ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市"):
        if _name.endswith(_suffix):
            _SHORT[_name.removesuffix(_suffix)] = _name
            break


@dataclass(frozen=True)
class ParsedAddress:
    province: str
    city: str
    district: str
    detail: str


def normalize_province(text: str) -> str | None:
    """The full province name for '浙江', '浙江省', '广西'…; None when it is none."""
    return _SHORT.get(text.strip())


_BY_LENGTH = sorted(_SHORT, key=len, reverse=True)
_CITY = re.compile(r"^(.+?(?:自治州|地区|盟|市))")
_DISTRICT = re.compile(r"^(.+?(?:新区|区|县|旗|市))")


def parse_address(text: str) -> ParsedAddress | None:
    """Split '浙江省杭州市西湖区文三路90号' into its parts; None if no province leads it."""
    text = re.sub(r"\s+", "", text)
    prefix = next((short for short in _BY_LENGTH if text.startswith(short)), None)
    if prefix is None:
        return None
    province, rest = _SHORT[prefix], text[len(prefix) :]
    if province in MUNICIPALITIES:
        city = province
        rest = rest.removeprefix(province).removeprefix("市辖区")
    else:
        match = _CITY.match(rest)
        if match is None:
            return None
        city, rest = match.group(1), rest[match.end() :]
    district = ""
    match = _DISTRICT.match(rest)
    if match is not None and len(match.group(1)) <= 8:
        district, rest = match.group(1), rest[match.end() :]
    return ParsedAddress(province, city, district, rest)


# phonenumbers' own pattern of mainland mobile numbers, for the usual 11-digit case
# without the cost of a full parse; everything else goes through phonenumbers.parse.
_PLAIN_MOBILE = re.compile(r"1\d{10}")
_CN = phonenumbers.PhoneMetadata.metadata_for_region("CN")
assert _CN is not None and _CN.mobile is not None and _CN.mobile.national_number_pattern
_MOBILE_PATTERN = re.compile(str(_CN.mobile.national_number_pattern))


def normalize_phone(text: str) -> str | None:
    """A valid mainland mobile or landline in national digits, or None."""
    raw = re.sub(r"[\s\-()]", "", text)
    if _PLAIN_MOBILE.fullmatch(raw) and _MOBILE_PATTERN.fullmatch(raw):
        return raw
    if not raw or len(raw) > 20:
        return None
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException:
        return None
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        return None
    digits = str(number.national_number)
    if phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE:
        return digits
    return "0" + digits

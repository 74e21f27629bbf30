"""Chinese postal addresses.

Intake only refuses what cannot be an address (`parse_address`, `normalize_province`,
`normalize_phone`); order review checks the parts against the administrative-division
tables (`check_address`, `check_phone`) and suggests a correction.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib.util
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import phonenumbers
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy

from sellerdesk.core import messages

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


# --- Checking an address against the administrative divisions -----------------------
#
# The tables come from jionlp's division list (china_location.zip, kept current by its
# maintainers: 杭州市临平区 and 钱塘区 of 2021, 库车市 of 2019…), plus its list of renamed
# divisions (江干区 → 上城区). Only the data file is read: importing jionlp itself would
# load its word segmenter for nothing. They are read once per process, on first use;
# afterwards a check is a handful of dict lookups.

_MUNICIPAL_CITY_SPELLINGS = ("", "市辖区", "城区", "市区")
_PROVINCE_DIRECT = "省直辖行政区划"
_PROVINCE_DIRECT_SPELLINGS = (_PROVINCE_DIRECT, "省直辖县级行政区划", "自治区直辖县级行政区划", "直辖县级行政区划")
_CITY_DIRECT = "市直辖行政区划"


@dataclass(frozen=True, eq=False)  # compared and hashed by identity
class _City:
    province: str
    name: str
    # every accepted spelling of a district (full name, short alias) → its full name
    districts: dict[str, str]

    @property
    def has_districts(self) -> bool:
        """False for cities without a county level (东莞市, 中山市, 嘉峪关市, 儋州市…)."""
        return bool(self.districts)


@dataclass(frozen=True)
class _Tables:
    provinces: dict[str, str]  # spelling → full name
    cities: dict[str, dict[str, _City]]  # province → spelling → city
    cities_by_name: dict[str, list[_City]]  # full city name → the cities so named
    districts_by_name: dict[str, list[tuple[str, str]]]  # full district name → [(province, city)]
    renamed: dict[tuple[str, str, str], tuple[str, str, str]]  # old (province, city, district) → new


def _division_files() -> tuple[Path, Path]:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise ImproperlyConfigured("jionlp is not installed; sellerdesk reads its division tables")
    folder = Path(next(iter(spec.submodule_search_locations))) / "dictionary"
    return folder / "china_location.zip", folder / "china_location_change.txt"


def _spellings(full: str, aliases: str) -> list[str]:
    return [full, *(alias for alias in aliases.split("/") if alias and alias != full)]


@functools.cache
def _tables() -> _Tables:
    locations, changes = _division_files()
    provinces: dict[str, str] = {}
    cities: dict[str, dict[str, _City]] = {}
    province = ""
    city: _City | None = None
    with zipfile.ZipFile(locations) as archive, archive.open("china_location.txt") as raw:
        for line in io.TextIOWrapper(raw, encoding="utf-8"):
            if line.startswith("\t\t\t"):
                continue  # towns and villages
            fields = line.strip().split("\t")
            if len(fields) != 3:
                continue
            full, _code, aliases = fields
            if not line.startswith("\t"):
                province = full
                for spelling in _spellings(full, aliases):
                    provinces.setdefault(spelling, full)
                cities[province] = {}
            elif not line.startswith("\t\t"):
                city = _City(province, full, {})
                for spelling in _spellings(full, aliases):
                    cities[province].setdefault(spelling, city)
            elif city is not None and full != _CITY_DIRECT:
                for spelling in _spellings(full, aliases):
                    city.districts.setdefault(spelling, full)
    for province, by_spelling in cities.items():
        if province in MUNICIPALITIES or province in ("香港特别行政区", "澳门特别行政区"):
            (city,) = set(by_spelling.values())
            for spelling in (province, *_MUNICIPAL_CITY_SPELLINGS):
                by_spelling.setdefault(spelling, city)
        direct = by_spelling.get(_PROVINCE_DIRECT)
        if direct is not None:
            # County-level cities under the province itself (湖北省仙桃市, 河南省济源市):
            # written either as the city, or as "省直辖县级行政区划" + the county.
            for spelling in _PROVINCE_DIRECT_SPELLINGS:
                by_spelling.setdefault(spelling, direct)
            for spelling, full in direct.districts.items():
                by_spelling.setdefault(spelling, _City(province, full, {}))
    cities_by_name: dict[str, list[_City]] = {}
    districts_by_name: dict[str, list[tuple[str, str]]] = {}
    for by_spelling in cities.values():
        for city in set(by_spelling.values()):
            cities_by_name.setdefault(city.name, []).append(city)
            for full in set(city.districts.values()):
                districts_by_name.setdefault(full, []).append((city.province, city.name))
    renamed: dict[tuple[str, str, str], tuple[str, str, str]] = {}
    for line in changes.read_text(encoding="utf-8").splitlines():
        if "=>" not in line:
            continue
        before, after = (part.split("\t") for part in line.split("=>", 1))
        if len(before) == 8 and len(after) == 3:
            renamed[(before[2], before[4], before[6])] = (after[0], after[1], after[2])
    return _Tables(provinces, cities, cities_by_name, districts_by_name, renamed)


def warm_up() -> None:
    """Read the division tables now rather than on the first check."""
    _tables()


@dataclass(frozen=True)
class AddressProblem:
    field: str  # province, city, district, detail or phone
    code: str  # stable: province_missing, province_unknown, city_missing, city_not_in_province,
    # district_missing, district_not_in_city, detail_missing, phone_missing, phone_invalid
    message: str
    # The message as a code and parameters (core.messages), for whoever stores it (a hold);
    # the same problem whatever language its message was made in, so not compared.
    text: dict[str, Any] | None = dataclasses.field(default=None, compare=False)


@dataclass(frozen=True)
class AddressCheck:
    is_valid: bool
    problems: list[AddressProblem]
    # The address corrected or spelled in full ("浙江" → "浙江省", "西湖" → "西湖区"), when it
    # differs from the input and one real place fits; None otherwise.
    suggestion: ParsedAddress | None


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def _longest_prefix(text: str, spellings: dict[str, str]) -> tuple[str, str] | None:
    """(spelling, full name) of the longest non-empty spelling that starts `text`."""
    best: tuple[str, str] | None = None
    for length in range(min(len(text), 12), 1, -1):
        full = spellings.get(text[:length])
        if full is not None:
            best = (text[:length], full)
            break
    return best


def _district_in_text(city: _City, text: str) -> tuple[str, str] | None:
    """The district of `city` that `text` starts with, and the rest of the text. A short
    alias ("西湖") names the district but is kept in the detail, where it may be a street."""
    found = _longest_prefix(text, city.districts)
    if found is None:
        return None
    spelling, full = found
    return full, (text[len(spelling) :] if spelling == full else text)


def _strip_known_prefixes(text: str, province: str, city: _City) -> str:
    """Buyers often repeat "浙江省杭州市" at the start of the street address. Only full
    names are taken off: a short one may begin a street name (仙桃大道 in 仙桃市)."""
    text = text.removeprefix(province)
    if city.name != province:
        text = text.removeprefix(city.name)
    return text


def _city_named(name: str, province: str | None = None) -> _City | None:
    tables = _tables()
    if province is not None:
        return tables.cities[province].get(name)
    candidates = tables.cities_by_name.get(name, [])
    return candidates[0] if len(candidates) == 1 else None


# The sentence of each problem code, registered as the message code "address_<code>".
PROBLEM_TEXTS: dict[str, tuple[Any, dict[str, str]]] = {
    "detail_missing": (gettext_lazy("The street address is missing."), {}),
    "province_missing": (gettext_lazy("The province is missing."), {}),
    "province_unknown": (gettext_lazy("%(province)s is not a province of China."), {"province": "浙州省"}),
    "city_missing": (gettext_lazy("The city is missing."), {}),
    "city_not_in_province": (
        gettext_lazy("%(city)s is not a city of %(province)s."),
        {"city": "南京市", "province": "浙江省"},
    ),
    "district_missing": (gettext_lazy("The district or county is missing."), {}),
    "district_not_in_city": (
        gettext_lazy("%(district)s is not a district of %(city)s."),
        {"district": "鼓楼区", "city": "杭州市"},
    ),
    "phone_missing": (gettext_lazy("The phone number is missing."), {}),
    "phone_invalid": (
        gettext_lazy("%(phone)s is not a valid mainland China mobile or landline number."),
        {"phone": "12345"},
    ),
}
for _code, (_template, _example) in PROBLEM_TEXTS.items():
    messages.register(f"address_{_code}", _template, example=_example)


def _problem(field: str, code: str, **params: str) -> AddressProblem:
    text = messages.message(f"address_{code}", **params)
    return AddressProblem(field, code, messages.render(text), text)


def check_address(province: str, city: str, district: str, detail: str) -> AddressCheck:
    """Check the parts of a mainland address against the administrative divisions.

    Every problem found is listed with a stable code; `suggestion` is the corrected
    address when exactly one real place fits what was given (the district named in the
    street address, a renamed district, the district's real city…).
    """
    province, city, district, detail = _clean(province), _clean(city), _clean(district), _clean(detail)
    given = ParsedAddress(province, city, district, detail)
    problems: list[AddressProblem] = []
    if not detail:
        problems.append(_problem("detail", "detail_missing"))
    suggestion = _checked_division(given, problems)
    if suggestion == given:
        suggestion = None
    return AddressCheck(is_valid=not problems, problems=problems, suggestion=suggestion)


def _checked_division(given: ParsedAddress, problems: list[AddressProblem]) -> ParsedAddress | None:
    """Adds the problems of province / city / district and returns the fitting address."""
    tables = _tables()
    province = tables.provinces.get(given.province) or normalize_province(given.province)
    if province is None or province not in tables.cities:
        if not given.province:
            problems.append(_problem("province", "province_missing"))
        else:
            problems.append(_problem("province", "province_unknown", province=given.province))
        city = _city_named(given.city)
        return _with_district(city, given, problems=None) if city is not None else None

    city = tables.cities[province].get(given.city)
    if city is None:
        if not given.city:
            problems.append(_problem("city", "city_missing"))
        else:
            problems.append(_problem("city", "city_not_in_province", city=given.city, province=province))
        return _city_from_district(province, given)
    return _with_district(city, given, problems)


def _city_from_district(province: str, given: ParsedAddress) -> ParsedAddress | None:
    """The city of `province` holding the given district, or else the city of that name
    in another province (浙江省 南京市 → 江苏省 南京市)."""
    tables = _tables()
    if given.district:
        homes = [home for home in tables.districts_by_name.get(given.district, []) if home[0] == province]
        if len(homes) == 1:
            city = tables.cities[province][homes[0][1]]
            return ParsedAddress(province, city.name, given.district, given.detail)
    elsewhere = _city_named(given.city)
    if elsewhere is not None:
        return _with_district(elsewhere, given, problems=None)
    return None


def _with_district(city: _City, given: ParsedAddress, problems: list[AddressProblem] | None) -> ParsedAddress | None:
    """Checks the district within `city` (adding problems when a list is given) and
    returns the address with the district spelled in full or corrected, if one fits."""
    tables = _tables()
    detail = _strip_known_prefixes(given.detail, city.province, city) if given.detail else ""
    if not city.has_districts:
        return ParsedAddress(city.province, city.name, given.district, detail)
    full = city.districts.get(given.district) if given.district else None
    if full is not None:
        if city.name == _PROVINCE_DIRECT:  # the county-level city is the city
            return ParsedAddress(city.province, full, "", detail)
        return ParsedAddress(city.province, city.name, full, detail)
    in_detail = _district_in_text(city, detail)
    if not given.district:
        if problems is not None:
            problems.append(_problem("district", "district_missing"))
        return ParsedAddress(city.province, city.name, *in_detail) if in_detail else None
    if problems is not None:
        problems.append(_problem("district", "district_not_in_city", district=given.district, city=city.name))
    renamed = tables.renamed.get((city.province, city.name, given.district))
    if renamed is not None and renamed[0] == city.province and renamed[1] == city.name:
        return ParsedAddress(city.province, city.name, renamed[2], detail)
    if in_detail is not None:
        return ParsedAddress(city.province, city.name, *in_detail)
    in_district = _district_in_text(city, given.district)
    if in_district is not None:
        return ParsedAddress(city.province, city.name, in_district[0], detail)
    homes = [home for home in tables.districts_by_name.get(given.district, []) if home[0] == city.province]
    if len(homes) == 1:
        return ParsedAddress(city.province, homes[0][1], given.district, detail)
    return None


def check_phone(phone: str) -> list[AddressProblem]:
    """The problems of a receiver's phone: missing, or not a mainland mobile or landline."""
    if not _clean(phone):
        return [_problem("phone", "phone_missing")]
    if normalize_phone(phone) is None:
        return [_problem("phone", "phone_invalid", phone=phone.strip())]
    return []


def canonical_division(province: str, city: str = "", district: str = "") -> ParsedAddress | None:
    """The full names of a province, optionally a city of it and a district of that city,
    or None when a given part does not exist there. Spellings are accepted as in
    `check_address` ("浙江", "杭州", "西湖"; "市辖区" for a municipality's city)."""
    tables = _tables()
    full_province = tables.provinces.get(_clean(province)) or normalize_province(_clean(province))
    if full_province is None or full_province not in tables.cities:
        return None
    city, district = _clean(city), _clean(district)
    if not city and not district:
        return ParsedAddress(full_province, "", "", "")
    found = tables.cities[full_province].get(city)
    if found is None:
        return None
    if not district:
        return ParsedAddress(full_province, found.name, "", "")
    full_district = found.districts.get(district)
    if full_district is None:
        return None
    if found.name == _PROVINCE_DIRECT:  # the county-level city is the city
        return ParsedAddress(full_province, full_district, "", "")
    return ParsedAddress(full_province, found.name, full_district, "")

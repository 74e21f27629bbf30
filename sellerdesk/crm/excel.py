"""Customers in and out of Excel.

Export: any list of customers (a filtered list, a segment, a buyer group, a seed group)
as an XLSX workbook written row by row — openpyxl's write-only mode over a database
iterator, into a temporary file that the response then streams — so 100,000 customers
take bounded memory, never a workbook held whole.

Import: customers from an .xlsx or .csv file (UTF-8, UTF-8 with BOM, or GBK/GB18030),
with the export's columns found by their header (English or Chinese, any order; the
export's read-only columns are accepted and ignored). Bounded: MAX_BYTES, MAX_ROWS rows,
MAX_COLUMNS columns, MAX_CELL characters a cell. A header that names no known column is
an error naming it. Each row creates a customer or updates one — found by its customer
number in the shop, else by its identity (the nickname, else the phone) — through the
customers' actions, and is audited (`imported`, with the file and line). An empty cell
changes nothing. All or nothing: every problem of every row is collected, reported as
`rows[<line>].<column>` (the header is line 1), and when there is any, nothing is
written. A dry run does all of it and rolls back.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import IO, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.addresses import normalize_phone
from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import NotMoney, parse_money
from sellerdesk.core.permissions import require
from sellerdesk.core.spreadsheets import append_bold_header, sheet_title
from sellerdesk.core.tables import Limits, read_upload
from sellerdesk.customers import actions as customer_actions
from sellerdesk.customers import book, imports
from sellerdesk.customers.models import Customer, CustomerLevel, TransportMode, customer_identity
from sellerdesk.shops.models import Shop

MAX_BYTES = 5 * 1024 * 1024
# As the other importers (purchasing, quick replies): each row goes through the actions
# (about 20 queries), so 2,000 rows stay within a web request on a small machine.
MAX_ROWS = 2000
MAX_COLUMNS = 40
MAX_CELL = 1000
EXPORT_CHUNK = 2000


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy: the header in the reader's language
    aliases: tuple[str, ...]  # more headers the import understands (Chinese, short forms)
    # A column the import reads (the rest are exported for reading and ignored on import).
    importable: bool = True


COLUMNS: tuple[Column, ...] = (
    Column("number", gettext_lazy("Customer number"), ("number", "客户编号", "编号")),
    Column("shop", gettext_lazy("Shop"), ("shop", "店铺", "店铺编码")),
    Column("nickname", gettext_lazy("Nickname"), ("nickname", "昵称", "旺旺名", "买家昵称")),
    Column("name", gettext_lazy("Name"), ("name", "姓名", "名称", "客户名称")),
    Column("phone", gettext_lazy("Phone"), ("phone", "电话", "手机", "手机号")),
    Column("level", gettext_lazy("Level"), ("level", "等级", "会员等级")),
    Column("tags", gettext_lazy("Tags"), ("tags", "标签")),
    Column("groups", gettext_lazy("Buyer groups"), ("groups", "买家群"), importable=False),
    Column("order_count", gettext_lazy("Orders"), ("orders", "order_count", "订单数"), importable=False),
    Column("total_spent", gettext_lazy("Total spent"), ("total_spent", "消费金额", "累计消费"), importable=False),
    Column("last_order_at", gettext_lazy("Last order"), ("last_order_at", "最近下单"), importable=False),
    Column("agent", gettext_lazy("Agent in charge"), ("agent", "负责客服", "业务员")),
    Column("is_b2b", gettext_lazy("Business customer"), ("is_b2b", "企业客户", "批发客户")),
    Column("credit_limit", gettext_lazy("Credit limit"), ("credit_limit", "信用额度")),
    Column("payment_terms_days", gettext_lazy("Payment terms (days)"), ("payment_terms_days", "账期天数", "账期")),
    Column("discount_note", gettext_lazy("Discount terms"), ("discount_note", "折扣条款", "优惠条款")),
    Column("delivery_area", gettext_lazy("Delivery area"), ("delivery_area", "配送区域", "送货区域")),
    Column("route_order", gettext_lazy("Route order"), ("route_order", "配送顺序", "路线顺序")),
    Column("transport_mode", gettext_lazy("Transport mode"), ("transport_mode", "运输方式")),
    Column("vehicle", gettext_lazy("Vehicle"), ("vehicle", "车辆", "车型")),
    Column("unloading_notes", gettext_lazy("Unloading notes"), ("unloading_notes", "卸货说明", "卸货注意事项")),
    Column("delivery_requirements", gettext_lazy("Delivery requirements"), ("delivery_requirements", "配送要求")),
    Column(
        "delayed_order_handling",
        gettext_lazy("If an order is delayed"),
        ("delayed_order_handling", "延误处理", "订单延误处理"),
    ),
)
_BY_KEY = {column.key: column for column in COLUMNS}
# Columns that identify the customer; the rest of the importable ones are its profile.
_IDENTITY = ("number", "shop", "nickname", "name", "phone")


# --- export ----------------------------------------------------------------------------------


def _local(value: datetime | None) -> datetime | None:
    # Excel has no time zones: write the shop's local time.
    return timezone.localtime(value).replace(tzinfo=None) if value is not None else None


def _row(customer: Customer) -> list[Any]:
    return [
        customer.display_number,
        customer.shop.code,
        customer.nickname,
        customer.name,
        customer.phone,
        customer.level.code if customer.level else "",
        ", ".join(tag.name for tag in customer.tags.all()),
        ", ".join(group.name for group in customer.groups.all()),
        customer.order_count,
        customer.total_spent,
        _local(customer.last_order_at),
        customer.agent.username if customer.agent else "",
        _("yes") if customer.is_b2b else _("no"),
        customer.credit_limit,
        customer.payment_terms_days,
        customer.discount_note,
        customer.delivery_area,
        customer.route_order,
        customer.transport_mode,
        customer.vehicle,
        customer.unloading_notes,
        customer.delivery_requirements,
        customer.delayed_order_handling,
    ]


def write_customers_xlsx(customers: QuerySet[Customer], target: IO[bytes], *, title: str = "") -> int:
    """Write the customers to `target` as an XLSX workbook (a header row of COLUMNS' labels
    in the active language, then one row per customer) and return how many rows. Rows are
    read in chunks and written straight out (write-only workbook), so memory stays flat
    whatever the count."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title(title or str(_("Customers"))))
    append_bold_header(sheet, (column.label for column in COLUMNS))
    count = 0
    rows = customers.select_related("shop", "level", "agent").prefetch_related("tags", "groups")
    for customer in rows.iterator(chunk_size=EXPORT_CHUNK):
        sheet.append(_row(customer))
        # prefetch_related ties each customer and its tags' and groups' querysets in a
        # reference cycle (a queryset's hints name the customer), which only the cyclic
        # collector frees: rows would pile up until it runs. Dropping the cache frees the
        # row as soon as it is written.
        customer.__dict__.pop("_prefetched_objects_cache", None)
        count += 1
    book.save(target)
    return count


@dataclass
class Export:
    """A finished export: the workbook in a temporary file (read it from the start; it
    is deleted when closed), its download name and row count."""

    file: IO[bytes]
    filename: str
    rows: int


CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_customers(*, customers: QuerySet[Customer], actor: User | None, name: str) -> Export:
    """The customers as an XLSX export named after `name` and today's date."""
    require(actor, "customers.export")
    file = tempfile.TemporaryFile()  # noqa: SIM115 (the response closes it after streaming)
    try:
        rows = write_customers_xlsx(customers, file, title=name)
    except BaseException:
        file.close()
        raise
    file.seek(0)
    safe = re.sub(r"[^\w\-]+", "-", name, flags=re.UNICODE).strip("-") or "customers"
    return Export(file=file, filename=f"{safe}-{timezone.localdate():%Y%m%d}.xlsx", rows=rows)


# --- import: reading the file ----------------------------------------------------------------


def read_rows(*, filename: str, content: bytes) -> list[tuple[int, list[str]]]:
    """The file's non-blank rows as (line, text cells), the header first, read by
    core.tables within MAX_BYTES, MAX_ROWS and MAX_COLUMNS; a file too large, of another
    kind, unreadable, or over a limit is a ValidationFailed on `file` (naming the line
    where there is one). A cell over MAX_CELL is reported on its row (`_RowImporter`)."""
    # Cells up to XLSX's own maximum are read, so that a long one is named by its column.
    limits = Limits(max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS, max_cell_chars=32_767)
    return read_upload(filename=filename, content=content, limits=limits)


def _normal_header(title: str) -> str:
    # "Phone (手机)" / "电话（必填）" / "*姓名": the name before any bracket, without marks.
    text = title.strip().lower().replace("（", "(").split("(")[0]
    return text.strip(" *:：").replace(" ", "_")


def _header_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for column in COLUMNS:
        for language in ("en", "zh-hans"):
            with translation.override(language):
                names.setdefault(_normal_header(str(column.label)), column.key)
        for alias in column.aliases:
            names.setdefault(_normal_header(alias), column.key)
    return names


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def header_columns(header: list[str]) -> dict[str, int]:
    """Which cell of each row holds each column; an unknown, repeated or missing column is
    a ValidationFailed naming it by its letter and title (`header.C`)."""
    names = _header_names()
    found: dict[str, int] = {}
    errors: dict[str, str] = {}
    for index, title in enumerate(header):
        if not title.strip():
            continue
        key = names.get(_normal_header(title))
        if key is None:
            errors[f"header.{_letter(index)}"] = _("unknown column “%(title)s”; the columns are: %(names)s") % {
                "title": title.strip(),
                "names": ", ".join(str(column.label) for column in COLUMNS),
            }
        elif key in found:
            errors[f"header.{_letter(index)}"] = _("column “%(title)s” again (first in column %(first)s)") % {
                "title": title.strip(),
                "first": _letter(found[key]),
            }
        else:
            found[key] = index
    if not errors:
        if "name" not in found:
            errors["header"] = _("line 1 has no column for: %(names)s") % {"names": _BY_KEY["name"].label}
        elif "nickname" not in found and "phone" not in found and "number" not in found:
            errors["header"] = _("line 1 needs a column for the nickname, the phone or the customer number")
    if errors:
        raise ValidationFailed(errors, _("The file's columns are not right: nothing was imported."))
    return found


# --- import: the values ----------------------------------------------------------------------

_YES = {"yes", "y", "true", "1", "是", "对", "√"}
_NO = {"no", "n", "false", "0", "否", "不是", "×"}


# What sellers write in their own sheets, besides the labels in either language.
_TRANSPORT_ALIASES: dict[str, str] = {
    "快递": TransportMode.EXPRESS,
    "邮政": TransportMode.POST,
    "邮寄": TransportMode.POST,
    "物流": TransportMode.FREIGHT,
    "零担": TransportMode.FREIGHT,
    "专车": TransportMode.TRUCK,
    "专车送货": TransportMode.TRUCK,
    "自提": TransportMode.PICKUP,
}


def _transport_modes() -> dict[str, str]:
    found: dict[str, str] = dict(_TRANSPORT_ALIASES)
    for mode in TransportMode:
        found[mode.value] = mode.value
        for language in ("en", "zh-hans"):
            with translation.override(language):
                found[str(mode.label).lower()] = mode.value
    return found


@dataclass
class _Lookups:
    """What the rows name, looked up once per import."""

    shops: dict[str, Shop]
    default_shop: Shop | None
    users: dict[str, User | None] = field(default_factory=dict)
    levels: list[CustomerLevel] = field(default_factory=list)
    transport_modes: dict[str, str] = field(default_factory=dict)

    def user(self, username: str) -> User | None:
        if username not in self.users:
            self.users[username] = User.objects.filter(username=username).first()
        return self.users[username]


def _profile_value(key: str, text: str, *, shop: Shop, lookups: _Lookups) -> Any:
    """The cell's text as the value update_customer takes, or a ValueError saying why not."""
    if key == "level":
        found = [level for level in lookups.levels if level.code == text and level.shop_id in (None, shop.pk)]
        if not found:
            raise ValueError(_("unknown customer level %(code)s for this shop") % {"code": text})
        return min(found, key=lambda level: level.shop_id is None)  # the shop's own first
    if key == "agent":
        user = lookups.user(text)
        if user is None:
            raise ValueError(_("unknown user %(username)s") % {"username": text})
        return user
    if key == "is_b2b":
        if text.lower() in _YES:
            return True
        if text.lower() in _NO:
            return False
        raise ValueError(_("write yes or no"))
    if key == "credit_limit":
        # The API's and the forms' reader (core.money); the range is update_customer's.
        try:
            return parse_money(text, minimum=None, maximum=Decimal("1e12"), currency_marks=True)
        except NotMoney:
            raise ValueError(_("not an amount of money, e.g. 5000.00")) from None
    if key in ("payment_terms_days", "route_order"):
        if not re.fullmatch(r"\d{1,9}", text):
            raise ValueError(_("must be a whole number"))
        return int(text)
    if key == "transport_mode":
        mode = lookups.transport_modes.get(text.lower())
        if mode is None:
            raise ValueError(
                _("must be one of %(names)s") % {"names": ", ".join(str(mode.label) for mode in TransportMode)}
            )
        return mode
    return text


_TAG_SEPARATORS = re.compile(r"[,，、;；|]")


# --- import: the rows ------------------------------------------------------------------------


@dataclass(frozen=True)
class RowOutcome:
    line: int
    customer_id: int
    customer: str  # display number and name, for the report
    result: str  # "created" | "updated" | "unchanged"


@dataclass
class ImportReport:
    file: str
    committed: bool  # False: a dry run, nothing kept
    outcomes: list[RowOutcome] = field(default_factory=list)

    def count(self, result: str) -> int:
        return sum(1 for outcome in self.outcomes if outcome.result == result)

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")


class _DryRun(Exception):
    """Raised at the end of a dry run to roll back what it wrote."""


def _comparable(value: Any) -> Any:
    return value.pk if hasattr(value, "pk") else value


class _RowImporter:
    def __init__(self, *, actor: User, filename: str, columns: dict[str, int], at: datetime) -> None:
        self.actor = actor
        self.filename = filename
        self.columns = columns
        self.at = at
        shops = {shop.code: shop for shop in Shop.objects.all()}
        default = next((shop for shop in shops.values() if shop.is_default), None)
        if default is None and len(shops) == 1:
            default = next(iter(shops.values()))
        self.lookups = _Lookups(
            shops=shops,
            default_shop=default,
            levels=list(CustomerLevel.objects.all()),
            transport_modes=_transport_modes(),
        )
        self.seen: dict[Any, int] = {}  # customer id or new identity → the line that had it
        self.editable = set(customer_actions.EDITABLE_FIELDS)

    def cell(self, cells: list[str], key: str) -> str:
        index = self.columns.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def _find(self, shop: Shop, number: str, identity: str | None, phone: str) -> Customer | None:
        customer = None
        if number:
            customer = Customer.objects.filter(shop=shop, number=number).first()
        if customer is None and identity is not None:
            customer = Customer.objects.filter(shop=shop, identity=identity).first()
        if customer is None and phone and identity != f"tel:{phone}":
            # A buyer first known by phone (no nickname then) is the same customer.
            customer = Customer.objects.filter(shop=shop, identity=f"tel:{phone}").first()
        if customer is None and number and re.fullmatch(r"C\d{6,}", number):
            # The export writes "C000123" for a customer without a number of its own.
            customer = Customer.objects.filter(shop=shop, pk=int(number[1:]), number="").first()
        # A duplicate merged away: its rows belong to the customer it went into.
        hops = 0
        while customer is not None and customer.merged_into_id is not None and hops < 10:
            customer = Customer.objects.get(pk=customer.merged_into_id)
            hops += 1
        return customer

    def row(self, line: int, cells: list[str]) -> tuple[RowOutcome | None, dict[str, str]]:
        errors: dict[str, str] = {}
        for name, index in self.columns.items():
            if index < len(cells) and len(cells[index]) > MAX_CELL:
                errors[name] = _("at most %(count)d characters") % {"count": MAX_CELL}
        if errors:
            return None, errors
        shop_code = self.cell(cells, "shop")
        shop = self.lookups.shops.get(shop_code) if shop_code else self.lookups.default_shop
        if shop is None:
            return None, {
                "shop": _("No shop with the code %(code)s.") % {"code": shop_code} if shop_code else _("is required")
            }
        # The profile's cells are checked first, so that a row is reported whole even
        # when it cannot name its customer.
        changes: dict[str, Any] = {}
        for column in COLUMNS:
            text = self.cell(cells, column.key)
            if not column.importable or column.key in _IDENTITY or column.key == "tags" or not text:
                continue
            if column.key not in self.editable:
                errors[column.key] = _("this column cannot be imported yet")
                continue
            try:
                changes[column.key] = _profile_value(column.key, text, shop=shop, lookups=self.lookups)
            except ValueError as error:
                errors[column.key] = str(error)
        number = self.cell(cells, "number")
        nickname = self.cell(cells, "nickname")
        phone = self.cell(cells, "phone")
        normal_phone = normalize_phone(phone) if phone else ""
        if phone and normal_phone is None:
            errors["phone"] = _("not a valid mainland China mobile or landline number")
        identity = customer_identity(nickname=nickname, phone=normal_phone or "") if nickname or normal_phone else None
        customer = self._find(shop, number, identity, normal_phone or "")
        key: Any = customer.pk if customer is not None else (shop.pk, identity or f"#{number}")
        if key in self.seen:
            errors["nickname" if nickname else "phone" if phone else "number"] = _(
                "The same customer as line %(line)s."
            ) % {"line": self.seen[key]}
            return None, errors
        self.seen[key] = line

        created = False
        if customer is None:
            try:
                if errors:
                    # Bad already: only say what else is wrong with the identity.
                    imports.checked_identity(name=self.cell(cells, "name"), nickname=nickname, phone=phone)
                    return None, errors
                customer = imports.create_customer(
                    actor=self.actor,
                    shop=shop,
                    name=self.cell(cells, "name"),
                    nickname=nickname,
                    phone=phone,
                    number=number,
                    at=self.at,
                )
                created = True
            except ValidationFailed as error:
                for name, why in error.fields.items():
                    errors.setdefault(name, why)
            except Conflict as error:
                errors[str(error.details.get("field", "nickname"))] = error.message
            if errors:
                return None, errors
            assert customer is not None
            self.seen[customer.pk] = line
        elif errors:
            return None, errors
        if number and not created and number != customer.display_number and "number" in self.editable:
            changes["number"] = number
        before = {name: _comparable(getattr(customer, name)) for name in changes}
        if changes:
            try:
                customer = customer_actions.update_customer(customer=customer, actor=self.actor, changes=changes)
            except ValidationFailed as error:
                return None, dict(error.fields)
        changed = any(_comparable(getattr(customer, name)) != before[name] for name in changes)
        tags = [name.strip() for name in _TAG_SEPARATORS.split(self.cell(cells, "tags")) if name.strip()]
        if tags:
            present = set(customer.tags.values_list("name", flat=True))
            for name in tags:
                if " ".join(name.split()) in present:
                    continue
                try:
                    book.tag_customer(customer=customer, actor=self.actor, name=name, at=self.at)
                except ValidationFailed as error:
                    return None, {"tags": next(iter(error.fields.values()))}
                changed = True
        if created or changed:
            imports.record_imported(
                customer=customer, actor=self.actor, file=self.filename, line=line, created=created, at=self.at
            )
        result = "created" if created else "updated" if changed else "unchanged"
        label = f"{customer.display_number} {customer.name}"
        return RowOutcome(line=line, customer_id=customer.pk, customer=label, result=result), {}


def import_customers(
    *, content: bytes, filename: str, actor: User, dry_run: bool = False, at: datetime | None = None
) -> ImportReport:
    """Import the customers of an .xlsx or .csv file (see the module's docstring).

    Any problem — the file, its header, any cell of any row — is one ValidationFailed
    naming every one (`file`, `header.<letter>`, `rows[<line>].<column>`) and nothing is
    written. `dry_run` checks and counts everything, then rolls back. Importing the same
    file twice changes nothing the second time (every row "unchanged")."""
    require(actor, "customers.import")
    at = at or timezone.now()
    table = read_rows(filename=filename, content=content)
    columns = header_columns(table[0][1])
    report = ImportReport(file=filename, committed=not dry_run)
    try:
        with transaction.atomic():
            importer = _RowImporter(actor=actor, filename=filename, columns=columns, at=at)
            errors: dict[str, str] = {}
            for line, cells in table[1:]:
                outcome, problems = importer.row(line, cells)
                for column, why in problems.items():
                    errors[f"rows[{line}].{column}"] = why
                if outcome is not None:
                    report.outcomes.append(outcome)
            if errors:
                raise ValidationFailed(errors, _("Nothing was imported: correct these rows and upload the file again."))
            if not report.outcomes:
                raise ValidationFailed({"file": _("no rows under the header")})
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def iter_errors(error: ValidationFailed) -> Iterator[tuple[int, str, str]]:
    """An import's problems as (line, column, why) in line order (line 0: the file, 1: the
    header), for the report page."""
    found: list[tuple[int, str, str]] = []
    for key, why in error.fields.items():
        match = re.fullmatch(r"rows\[(\d+)\]\.(\w+)", key)
        if match:
            column = _BY_KEY.get(match.group(2))
            found.append((int(match.group(1)), str(column.label) if column else match.group(2), why))
        elif key.startswith("header"):
            found.append((1, key.removeprefix("header").lstrip("."), why))
        else:
            found.append((0, key, why))
    yield from sorted(found, key=lambda item: (item[0], item[1]))

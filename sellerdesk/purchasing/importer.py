"""Import of a supplier's filled-in list (XLSX, or CSV in UTF-8 or GBK) into a draft
purchase order.

Columns, found by their header in the first row (English or Chinese, any order):
SKU code (商品编码) or barcode (条码), quantity (数量), unit cost (单价, optional when
the supplier has a cost for the SKU) and, optionally, the supplier's code (供应商编码),
which also identifies the SKU when the other two are empty.

Every row is checked (unknown SKU, bad quantity or cost, a SKU listed twice, a supplier
code that does not match) and every problem is reported with its line number in the
file. The policy is all or nothing: when any row is bad nothing is written, the user
fixes the file and uploads it again. (Importing only the good rows would leave the
order silently short of what the supplier confirmed.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import NotMoney, parse_money
from sellerdesk.core.permissions import require
from sellerdesk.core.tables import Limits, read_upload
from sellerdesk.inventory.models import Warehouse
from sellerdesk.purchasing import actions
from sellerdesk.purchasing.models import PurchaseOrder, Supplier, SupplierSku

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
MAX_COLUMNS = 100
MAX_CELL_CHARS = 1000  # a code, a quantity or a price is far shorter

HEADERS: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "sku code", "sku_code", "code", "商品编码", "sku编码", "商品编号", "编码"),
    "barcode": ("barcode", "条码", "条形码", "商品条码"),
    "quantity": ("quantity", "qty", "数量", "采购数量", "订购数量"),
    "unit_cost": ("unit cost", "unit_cost", "cost", "price", "单价", "进价", "成本", "采购单价"),
    "supplier_code": ("supplier code", "supplier_code", "供应商编码", "供应商货号", "货号"),
}


@dataclass
class ImportRow:
    line_number: int  # in the file: the header is line 1
    sku: Sku | None = None
    quantity: int | None = None
    unit_cost: Decimal | None = None
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ImportResult:
    rows: list[ImportRow]
    errors: dict[str, str]  # file-level problems (format, header, size)

    @property
    def is_valid(self) -> bool:
        return not self.errors and all(not row.errors for row in self.rows)

    @property
    def bad_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]

    def fields(self) -> dict[str, str]:
        """Every problem as `field path → why`; rows as `rows[<line number>].<column>`."""
        found = dict(self.errors)
        for row in self.rows:
            for column, why in row.errors.items():
                found[f"rows[{row.line_number}].{column}"] = why
        return found


def read_lines(*, filename: str, content: bytes) -> list[tuple[int, list[str]]]:
    """The non-blank rows of an uploaded .xlsx or .csv file as (line, text cells), the
    header first: core.tables.read_upload within this importer's limits (ValidationFailed
    on `file`, naming the line, for a file that cannot be read)."""
    limits = Limits(max_bytes=MAX_BYTES, max_rows=MAX_ROWS, max_columns=MAX_COLUMNS, max_cell_chars=MAX_CELL_CHARS)
    return read_upload(filename=filename, content=content, limits=limits)


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, title in enumerate(header):
        normal = title.strip().lower().replace("（", "(").split("(")[0].strip()
        for column, names in HEADERS.items():
            if normal in names and column not in found:
                found[column] = index
    return found


def _quantity(raw: str) -> int | None:
    # Digits, or a whole number as a spreadsheet may write it ("6.0"); never "1e3".
    if not re.fullmatch(r"\d{1,12}(?:\.0*)?", raw):
        return None
    value = int(Decimal(raw))
    return value if 1 <= value <= actions.MAX_QUANTITY else None


def _cost(raw: str) -> Decimal | None:
    """The amount as the API and the forms read it (core.money), ¥ and thousands commas allowed."""
    try:
        return parse_money(raw, currency_marks=True)
    except NotMoney:
        return None


def parse_purchase_list(*, supplier: Supplier, filename: str, content: bytes) -> ImportResult:
    """Read and check every row; writes nothing."""
    try:
        table = read_lines(filename=filename, content=content)
    except ValidationFailed as error:
        return ImportResult([], error.fields)
    columns = _columns(table[0][1])  # read_upload refuses a file without a header
    missing = _missing_columns(columns)
    if missing:
        return ImportResult([], {"header": _("line 1 has no column for: %(names)s") % {"names": ", ".join(missing)}})
    body = table[1:]
    if not body:
        return ImportResult([], {"file": _("no rows under the header")})
    if len(body) > MAX_ROWS:
        return ImportResult([], {"file": _("more than %(n)s rows") % {"n": MAX_ROWS}})

    def cell(row: list[str], column: str) -> str:
        index = columns.get(column)
        return row[index].strip() if index is not None and index < len(row) else ""

    known = _KnownSkus.of(
        supplier,
        codes={cell(row, "sku") for _n, row in body} - {""},
        barcodes={cell(row, "barcode") for _n, row in body} - {""},
    )
    rows: list[ImportRow] = []
    first_line_of: dict[int, int] = {}
    for number, raw in body:
        row = _checked_row(number, {column: cell(raw, column) for column in _CELLS}, known=known, supplier=supplier)
        if row.sku is not None:
            if row.sku.pk in first_line_of:
                row.errors["sku"] = _("%(code)s is listed on line %(line)s already") % {
                    "code": row.sku.code,
                    "line": first_line_of[row.sku.pk],
                }
            else:
                first_line_of[row.sku.pk] = number
        rows.append(row)
    return ImportResult(rows, {})


_CELLS = ("sku", "barcode", "supplier_code", "quantity", "unit_cost")


def _missing_columns(columns: dict[str, int]) -> list[str]:
    """What the header lacks: a column naming the SKU, and the quantity."""
    missing = []
    if not {"sku", "barcode", "supplier_code"} & set(columns):
        missing.append(_("SKU code or barcode"))
    if "quantity" not in columns:
        missing.append(_("quantity"))
    return missing


@dataclass(frozen=True)
class _KnownSkus:
    """The SKUs the file's rows may name, by code, barcode and the supplier's code, and
    the supplier's offers by SKU id."""

    by_code: dict[str, Sku]
    by_barcode: dict[str | None, Sku]
    by_supplier_code: dict[str, Sku]
    offers: dict[int, SupplierSku]

    @classmethod
    def of(cls, supplier: Supplier, *, codes: set[str], barcodes: set[str]) -> _KnownSkus:
        offers = {offer.sku_id: offer for offer in SupplierSku.objects.filter(supplier=supplier).select_related("sku")}
        return cls(
            by_code={sku.code: sku for sku in Sku.objects.filter(code__in=codes)},
            by_barcode={sku.barcode: sku for sku in Sku.objects.filter(barcode__in=barcodes)},
            by_supplier_code={offer.supplier_code: offer.sku for offer in offers.values() if offer.supplier_code},
            offers=offers,
        )


def _checked_row(number: int, cells: dict[str, str], *, known: _KnownSkus, supplier: Supplier) -> ImportRow:
    """One row read and checked: its SKU, quantity and unit cost, and what is wrong with them."""
    row = ImportRow(number)
    _find_sku(row, cells, known=known, supplier=supplier)
    offer = known.offers.get(row.sku.pk) if row.sku else None
    supplier_code = cells["supplier_code"]
    if row.sku is not None and supplier_code and offer and offer.supplier_code not in ("", supplier_code):
        row.errors["supplier_code"] = _("%(code)s is %(expected)s at this supplier") % {
            "code": row.sku.code,
            "expected": offer.supplier_code,
        }
    raw_quantity = cells["quantity"]
    row.quantity = _quantity(raw_quantity)
    if row.quantity is None:
        row.errors["quantity"] = (
            _("enter the quantity")
            if not raw_quantity
            else _("%(value)s is not a whole number from 1 to %(max)s")
            % {"value": raw_quantity, "max": actions.MAX_QUANTITY}
        )
    _read_cost(row, cells["unit_cost"], offer=offer)
    return row


def _find_sku(row: ImportRow, cells: dict[str, str], *, known: _KnownSkus, supplier: Supplier) -> None:
    """The row's SKU, by its code, else its barcode, else the supplier's code for it; a
    code and a barcode given together must name the same SKU."""
    code, barcode, supplier_code = cells["sku"], cells["barcode"], cells["supplier_code"]
    if code:
        row.sku = known.by_code.get(code)
        if row.sku is None:
            row.errors["sku"] = _("unknown SKU %(code)s") % {"code": code}
    elif barcode:
        row.sku = known.by_barcode.get(barcode)
        if row.sku is None:
            row.errors["barcode"] = _("no SKU has barcode %(code)s") % {"code": barcode}
    elif supplier_code:
        row.sku = known.by_supplier_code.get(supplier_code)
        if row.sku is None:
            row.errors["supplier_code"] = _("%(supplier)s has no SKU with code %(code)s") % {
                "supplier": supplier.name,
                "code": supplier_code,
            }
    else:
        row.errors["sku"] = _("enter the SKU code or the barcode")
    if row.sku is not None and code and barcode and row.sku.barcode != barcode:
        row.errors["barcode"] = _("barcode %(barcode)s is not the barcode of %(code)s") % {
            "barcode": barcode,
            "code": code,
        }


def _read_cost(row: ImportRow, raw_cost: str, *, offer: SupplierSku | None) -> None:
    """The row's unit cost: as given, else the supplier's cost of the SKU."""
    if raw_cost:
        row.unit_cost = _cost(raw_cost)
        if row.unit_cost is None:
            row.errors["unit_cost"] = _("%(value)s is not an amount of at least 0.00 with 2 decimals") % {
                "value": raw_cost
            }
    elif offer is not None:
        row.unit_cost = offer.cost
    elif row.sku is not None:
        row.errors["unit_cost"] = _("enter the unit cost (the supplier has no cost for this SKU)")


def import_purchase_list(
    *,
    supplier: Supplier,
    filename: str,
    content: bytes,
    actor: User | None,
    purchase_order: PurchaseOrder | None = None,
    warehouse: Warehouse | None = None,
) -> tuple[PurchaseOrder, ImportResult]:
    """Create a draft from the list, or fill `purchase_order` (a draft of the same
    supplier) with it. Any bad row: ValidationFailed naming every problem, nothing written."""
    require(actor, "purchasing.edit")
    if purchase_order is not None and purchase_order.supplier_id != supplier.pk:
        raise ValidationFailed({"supplier": _("the purchase order is to another supplier")})
    result = parse_purchase_list(supplier=supplier, filename=filename, content=content)
    if not result.is_valid:
        raise ValidationFailed(
            result.fields(),
            _("%(count)s rows of the file have errors; nothing was imported.") % {"count": len(result.bad_rows)}
            if result.bad_rows
            else _("The file could not be imported."),
        )
    lines = [
        actions.LineDraft(sku=row.sku.code, quantity=row.quantity, unit_cost=row.unit_cost)
        for row in result.rows
        if row.sku is not None and row.quantity is not None
    ]
    if purchase_order is not None:
        return actions.add_lines(purchase_order=purchase_order, lines=lines, actor=actor), result
    draft = actions.PurchaseDraft(supplier=supplier, lines=lines, warehouse=warehouse)
    return actions.create_purchase_order(draft=draft, actor=actor), result

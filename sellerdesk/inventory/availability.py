"""The availability formula, once: what a stock row (one SKU in one warehouse) can give.

Three figures are read from the columns of `StockLevel`:

- **available** = on_hand − reserved: what sellers see, what reorder points watch and
  what a transfer may take.
- **free** (for ordinary orders) = available less what presale (预售) lines are owed from
  units already arrived, i.e. less max(presale_reserved − in_transit, 0), never below 0.
  Written as min(available, available + in_transit − presale_reserved) so that SQL needs
  no GREATEST (SQLite and PostgreSQL read it alike).
- **incoming free** (for presale lines) = in_transit − presale_reserved, never below 0:
  units on their way that no presale line has been promised yet.

Each figure is given here as a Python function over the stock figures, as a Django
expression (for `.annotate()`, `.filter()` and `.update()`) and, for the fixed SQL of the
hot paths, as a SQL fragment built from the same column sums. Defective units are not part
of on-hand and count in none of them. `tests/inventory/test_availability.py` checks that
the Python and the SQL agree on any stock row.
"""

from __future__ import annotations

from django.db.models import Expression, F, Q, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import Greatest, Least
from django.db.models.lookups import GreaterThanOrEqual

# Each figure is a signed sum of columns of the stock row; `free` is the least of two.
_AVAILABLE: tuple[tuple[int, str], ...] = ((1, "on_hand"), (-1, "reserved"))
_AVAILABLE_AFTER_PRESALE: tuple[tuple[int, str], ...] = (*_AVAILABLE, (1, "in_transit"), (-1, "presale_reserved"))
_INCOMING_FREE: tuple[tuple[int, str], ...] = ((1, "in_transit"), (-1, "presale_reserved"))
# free = max(min(bound for bound in _FREE_BOUNDS), 0)
_FREE_BOUNDS = (_AVAILABLE, _AVAILABLE_AFTER_PRESALE)


# --- Python -----------------------------------------------------------------------------


def available_units(*, on_hand: int, reserved: int) -> int:
    """Units on hand not reserved for an order (never negative in a stored row)."""
    return on_hand - reserved


def free_units(*, on_hand: int, reserved: int, in_transit: int, presale_reserved: int) -> int:
    """Units an ordinary order may reserve: available less what presale lines are owed
    from units already arrived (presale_reserved beyond in_transit); 0 at the least."""
    available = on_hand - reserved
    return max(min(available, available + in_transit - presale_reserved), 0)


def incoming_free_units(*, in_transit: int, presale_reserved: int) -> int:
    """Units in transit that presale lines may still reserve; 0 at the least."""
    return max(in_transit - presale_reserved, 0)


# --- Django expressions -------------------------------------------------------------------


def _expression(terms: tuple[tuple[int, str], ...], prefix: str) -> Combinable:
    (first_sign, first_column), *rest = terms
    total: Combinable = F(prefix + first_column) if first_sign > 0 else Value(0) - F(prefix + first_column)
    for sign, column in rest:
        total = total + F(prefix + column) if sign > 0 else total - F(prefix + column)
    return total


def available_expression(prefix: str = "") -> Combinable:
    """`available_units` of the stock row, as an expression; `prefix` reaches the row
    through a relation (e.g. "stock_levels__")."""
    return _expression(_AVAILABLE, prefix)


def free_expression(prefix: str = "") -> Expression:
    """`free_units` of the stock row, as an expression."""
    return Greatest(Least(*(_expression(bound, prefix) for bound in _FREE_BOUNDS)), Value(0))


def incoming_free_expression(prefix: str = "") -> Expression:
    """`incoming_free_units` of the stock row, as an expression."""
    return Greatest(_expression(_INCOMING_FREE, prefix), Value(0))


def available_covers(quantity: int) -> Q:
    """Stock rows with at least `quantity` available units, as a filter."""
    return Q(GreaterThanOrEqual(available_expression(), quantity))


def free_covers(quantity: int) -> Q:
    """Stock rows with at least `quantity` (> 0) free units, as a filter that the database
    checks in the same conditional UPDATE that takes them (one bound each, no GREATEST)."""
    condition = Q()
    for bound in _FREE_BOUNDS:
        condition &= Q(GreaterThanOrEqual(_expression(bound, ""), quantity))
    return condition


# --- SQL fragments -------------------------------------------------------------------------


def _sql(terms: tuple[tuple[int, str], ...], table: str) -> str:
    prefix = f"{table}." if table else ""
    parts = []
    for index, (sign, column) in enumerate(terms):
        if index == 0:
            parts.append(prefix + column if sign > 0 else f"-{prefix}{column}")
        else:
            parts.append(f"{'+' if sign > 0 else '-'} {prefix}{column}")
    return " ".join(parts)


AVAILABLE_SQL = _sql(_AVAILABLE, "")
INCOMING_FREE_SQL = _sql(_INCOMING_FREE, "")


def free_covers_sql(quantity: str = "%s", *, table: str = "") -> str:
    """SQL condition: the stock row has at least `quantity` free units, for `quantity`
    > 0. `quantity` is a SQL term: a column, or a placeholder, which then stands
    `FREE_COVERS_PLACEHOLDERS` times; `table` qualifies the stock row's columns."""
    return " AND ".join(f"{_sql(bound, table)} >= {quantity}" for bound in _FREE_BOUNDS)


FREE_COVERS_PLACEHOLDERS = len(_FREE_BOUNDS)

"""What the PostgreSQL benchmark scripts share: progress on stderr, one JSON line per
figure on stdout, and cloning a template row N times in one set-based INSERT."""

from __future__ import annotations

import json
import sys
from typing import Any


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def emit(figure: dict[str, Any]) -> None:
    print(json.dumps(figure, ensure_ascii=False), flush=True)


def columns(cursor: Any, table: str) -> list[str]:
    cursor.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id' "
        "ORDER BY ordinal_position",
        [table],
    )
    return [row[0] for row in cursor.fetchall()]


def clone(cursor: Any, table: str, template_id: int, count: int, overrides: dict[str, str], extra: str = "") -> None:
    """INSERT `count` copies of row `template_id` of `table`; `g` (1..count) numbers the copy."""
    names = columns(cursor, table)
    unknown = set(overrides) - set(names)
    if unknown:
        raise RuntimeError(f"{table} has no columns {sorted(unknown)}")
    values = ", ".join(overrides.get(name, f"t.{name}") for name in names)
    cursor.execute(
        f"INSERT INTO {table} ({', '.join(names)}) SELECT {values} "
        f"FROM {table} t CROSS JOIN generate_series(1, %s) g {extra} WHERE t.id = %s ORDER BY g",
        [count, template_id],
    )

"""SQL expressions of the orders tables that an index and its queries must spell alike."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Func

PHONE_TAIL_DIGITS = 4


class PhoneTail(Func):
    """The last 4 characters of a phone (the order search by a phone's last 4 digits,
    index order_phone_tail_idx). The length is written as a literal, not a parameter:
    SQLite uses an index on an expression only when the query spells it the same way,
    and a bound parameter is not the literal of the index (Django's Right() binds it)."""

    output_field = CharField()
    arity = 1
    template = f"RIGHT(%(expressions)s, {PHONE_TAIL_DIGITS})"

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = f"SUBSTR(%(expressions)s, -{PHONE_TAIL_DIGITS})"
        return self.as_sql(compiler, connection, template=template, **extra_context)

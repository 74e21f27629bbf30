"""The duplicate-payment check can read the unique (partial) index of references on
PostgreSQL too (tests/test_payments.py checks SQLite's plan). Sequential scans are
switched off for the EXPLAIN, so the plan shows whether the index *can* serve the query
(on a table this small the planner would rightly scan it either way).

The statement is explained with its values in place, as PostgreSQL plans it for each
execution (a custom plan): there `reference = 'B1'` implies the index's condition
(reference <> ''). A generic plan of the prepared statement would not see the values;
PostgreSQL chooses one only when it costs no more than the custom plans, which a
sequential scan of a large payments table does not."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from tests.factories import make_sku, make_user, place
from tests.test_payments import duplicate_check_statements


def test_the_duplicate_check_can_read_the_reference_index(shop: Any) -> None:
    make_sku("PAY-IDX", price="10.00", stock=10)
    order = place(("PAY-IDX", 1))
    agent = make_user("cashier", "agent")
    lookups = duplicate_check_statements(order, agent)
    assert lookups
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        for sql in lookups:
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(str(row[0]) for row in cursor.fetchall())
            assert "payment_reference_unique" in plan, plan
            # The reference itself is looked up in the index, not filtered row by row.
            conditions = [line for line in plan.splitlines() if "Index Cond" in line]
            assert any("reference" in line for line in conditions), plan

"""INSERT … RETURNING id for new model instances, without the ORM's per-call query
building. For the hot path of intake only: the statement of each model is built once
per process from the model's own fields, and every value is prepared by its field
exactly as the ORM prepares it. No signals are sent (sellerdesk uses none)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connections, models


@cache
def _statement(model: type[models.Model], rows: int, vendor: str) -> tuple[str, tuple[models.Field, ...]]:
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    fields = tuple(field for field in model._meta.concrete_fields if not field.primary_key)
    primary_key = model._meta.pk
    assert primary_key is not None
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    # Only names from the model's own metadata go into the text; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(str(field.column)) for field in fields)}) "  # noqa: S608
        f"VALUES {', '.join([row] * rows)} RETURNING {quote(str(primary_key.column))}"
    )
    return sql, fields


@cache
def _unless_statement(model: type[models.Model], conflict: str) -> tuple[str, tuple[models.Field, ...]]:
    sql, fields = _statement(model, 1, connections[DEFAULT_DB_ALIAS].vendor)
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    field = model._meta.get_field(conflict)  # a model's own field, or FieldDoesNotExist
    assert isinstance(field, models.Field)
    column = field.column
    head, returning = sql.rsplit(" RETURNING ", 1)
    return f"{head} ON CONFLICT ({quote(str(column))}) DO NOTHING RETURNING {returning}", fields


def insert_unless_exists(instance: models.Model, *, conflict: str) -> bool:
    """Insert a new instance unless a row with the same value of its unique field
    `conflict` exists (PostgreSQL waits for a concurrent transaction writing that value
    and then writes nothing): True and its primary key set when written, False when not.
    No savepoint is needed around it: the caller's transaction goes on either way
    (another constraint's violation still raises IntegrityError)."""
    model = type(instance)
    connection = connections[DEFAULT_DB_ALIAS]
    sql, fields = _unless_statement(model, conflict)
    params = [field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = connection.alias
    return True


def insert(instances: Sequence[models.Model]) -> None:
    """Insert new instances of one model in one statement and set their primary keys."""
    if not instances:
        return
    model = type(instances[0])
    # The connection itself, not the django.db.connection proxy: every attribute read
    # through the proxy costs a thread-local lookup, and fields read it many times.
    connection = connections[DEFAULT_DB_ALIAS]
    sql, fields = _statement(model, len(instances), connection.vendor)
    params = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for instance in instances for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    for instance, pk in zip(instances, ids, strict=True):
        instance.pk = pk
        instance._state.adding = False
        instance._state.db = connection.alias

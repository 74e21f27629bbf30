"""Importing a marketplace's order export into a shop: upload, check (read the whole file
and plan every order, writing no order), preview, commit (the worker applies the orders
in batches), with its progress, a lease and every refused row with its line number.

    start_import ─→ CHECKING ─(check_import)─→ PREVIEWED ─(commit_import)─→ QUEUED
                        └─→ FAILED                 └─(discard_import)─→ DISCARDED
    QUEUED ─(run_import)─→ RUNNING ─→ DONE

The files are kept (FileField) and read again when the import is committed: the orders
themselves are never stored twice. Every write of an order goes through
marketplaces.apply, one transaction per batch of COMMIT_BATCH orders together with the
import's progress, so a worker that dies mid-run leaves whole batches behind; the job is
taken up again when its lease runs out (tasks.restart_imports) from the first order not
yet written, and applying is idempotent besides. Decisions: docs/marketplaces.md,
"Importing a file: check, preview, commit".
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta
from typing import IO, Any, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import OperationalError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.catalog.queries import sku_facts_by_code
from sellerdesk.core import messages, state_names
from sellerdesk.core.errors import InvalidTransition, NotFound
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.tables import Limits, TableError, limits_from_settings, read_table
from sellerdesk.marketplaces import layouts
from sellerdesk.marketplaces.apply import ITEM_FIELDS, apply_market_order, known_orders, plan_orders
from sellerdesk.marketplaces.columns import FIELD_COLUMNS
from sellerdesk.marketplaces.models import ImportStatus, OrderImport, Source
from sellerdesk.marketplaces.records import MarketOrder, RefusedRow
from sellerdesk.shops.access import limit_to_visible_shops, visible_shop_ids
from sellerdesk.shops.models import Shop

logger = logging.getLogger(__name__)
# An import's statuses by their labels in an illegal move's message (commit, discard).
state_names.register_statuses("import", dict(ImportStatus.choices))

# A file this small is checked at once, in the request that uploads it (a preview
# appears without waiting for a worker); a larger one is checked by the worker.
CHECK_NOW_BYTES = 1024 * 1024
UNKNOWN_LAYOUT = "market_unknown_layout"
IMPORT_FAILED = "market_import_failed"
# A batch that meets a deadlock (an import racing a push of the same orders on
# PostgreSQL) is rolled back whole and tried again this many times.
BATCH_ATTEMPTS = 3
# Where the plan, the refused rows and the counts of a preview live.
PLAN_ACTIONS = ("create", "update", "unchanged", "skip", "refuse")


def _settings() -> dict[str, Any]:
    return dict(settings.SELLERDESK["MARKETPLACES"])


def _lease() -> timedelta:
    return timedelta(seconds=int(_settings()["LEASE_SECONDS"]))


def _now() -> datetime:
    return timezone.now()


# --- upload ------------------------------------------------------------------------------------


def start_import(
    *,
    shop: Shop,
    orders_file: UploadedFile,
    items_file: UploadedFile | None,
    layout: str | None,
    actor: User | None,
    at: datetime | None = None,
    check_now: bool | None = None,
) -> OrderImport:
    """Take a marketplace export for `shop` and check it into a preview; no order is
    written. The size and the header are checked at once (TableError: nothing kept); a
    small file (under CHECK_NOW_BYTES, or `check_now`) is checked whole at once and a
    file that cannot be read is refused the same way; a larger one is stored as CHECKING
    and checked by the worker, which may find it FAILED (its error kept). A shop the
    actor may not see (shops.access) is not found."""
    require(actor, "marketplaces.import")
    visible = visible_shop_ids(actor)
    if visible is not None and shop.pk not in visible:
        raise NotFound(_("No such shop."), details={"shop": shop.code})
    limits = limits_from_settings()
    at = at or _now()
    for uploaded in (orders_file, items_file):
        if uploaded is not None and (uploaded.size or 0) > limits.max_bytes:
            raise TableError("file_too_large", params={"max_mb": max(1, round(limits.max_bytes / (1024 * 1024)))})
    found_layout = _header_layout(orders_file, layout=layout, limits=limits)
    size = (orders_file.size or 0) + (items_file.size or 0 if items_file is not None else 0)
    if check_now is None:
        check_now = size < CHECK_NOW_BYTES
    job = OrderImport(
        shop=shop,
        layout=found_layout,
        status=ImportStatus.CHECKING,
        file_name=(orders_file.name or "orders")[:200],
        items_file_name=(items_file.name or "items")[:200] if items_file is not None else "",
        digest=_digest(orders_file, items_file),
        created_at=at,
        created_by=actor,
        # A worker should have taken it by then; tasks.restart_imports enqueues it again.
        lease_until=at + _lease(),
    )
    job.file.save(_stored_name(job.file_name), orders_file, save=False)
    if items_file is not None:
        job.items_file.save(_stored_name(job.items_file_name), items_file, save=False)
    job.save()
    if not check_now:
        from sellerdesk.marketplaces import tasks  # the tasks module imports this one

        transaction.on_commit(lambda: tasks.check_order_import.enqueue(job.pk))
        return job
    checked = check_import(job.pk, raise_errors=True, layout_given=layout)
    if checked.status == ImportStatus.FAILED:  # pragma: no cover - raise_errors raised already
        raise TableError(str(checked.error.get("code", "file_format")))
    return checked


def _stored_name(name: str) -> str:
    # The kept file's name: the uploaded one's extension is what the reader goes by.
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else "csv"
    return f"import.{suffix[:5]}"


def _digest(*files: UploadedFile | None) -> str:
    digest = hashlib.sha256()
    for uploaded in files:
        digest.update(b"\0file\0")
        if uploaded is None:
            continue
        uploaded.seek(0)
        for chunk in uploaded.chunks():
            digest.update(chunk)
        uploaded.seek(0)
    return digest.hexdigest()


def _header_layout(orders_file: UploadedFile, *, layout: str | None, limits: Limits) -> str:
    """The layout named, or recognised from the orders file's header line (read alone)."""
    orders_file.seek(0)
    try:
        rows = read_table(filename=orders_file.name or "orders.csv", stream=cast(IO[bytes], orders_file), limits=limits)
        first = next(rows, None)
    finally:
        orders_file.seek(0)
    if first is None:
        raise TableError("empty_file")
    if layout:
        return layout
    found = layouts.detect_layout(first[1])
    if found is None:
        raise TableError(UNKNOWN_LAYOUT, line=first[0])
    return found


# --- reading the kept files --------------------------------------------------------------------


@contextmanager
def _opened(job: OrderImport) -> Iterator[tuple[tuple[str, IO[bytes]], tuple[str, IO[bytes]] | None]]:
    with ExitStack() as stack:
        job.file.open("rb")
        stack.callback(job.file.close)
        items: tuple[str, IO[bytes]] | None = None
        if job.items_file:
            job.items_file.open("rb")
            stack.callback(job.items_file.close)
            items = (job.items_file_name or str(job.items_file.name), cast(IO[bytes], job.items_file))
        yield (job.file_name or str(job.file.name), cast(IO[bytes], job.file)), items


def _read(job: OrderImport, *, layout: str | None, progress: Any = None) -> layouts.ParsedExport:
    with _opened(job) as (orders, items):
        return layouts.read_export(
            orders_file=orders,
            items_file=items,
            layout=layout,
            limits=limits_from_settings(),
            progress=progress,
        )


# --- check -------------------------------------------------------------------------------------


def _claim_check(import_id: int, now: datetime) -> datetime | None:
    """Take the check of an import for this worker: one not yet taken, or whose taker's
    lease ran out. Returns the lease (the token later writes are conditional on)."""
    lease = now + _lease()
    taken = (
        OrderImport.objects.filter(pk=import_id, status=ImportStatus.CHECKING)
        .filter(Q(started_at__isnull=True) | Q(lease_until__lt=now))
        .update(started_at=now, lease_until=lease)
    )
    return lease if taken else None


def check_import(import_id: int, *, raise_errors: bool = False, layout_given: str | None = None) -> OrderImport:
    """The worker's check: read the kept files whole, plan every order (apply.plan_orders,
    which writes nothing) and keep the plan, the counts and every refused row: PREVIEWED.
    A file that cannot be read: FAILED with its error (or, with `raise_errors`, the
    import is deleted with its files and the TableError raised: nothing kept). An import
    another worker is checking, or checked already, is returned as it is."""
    now = _now()
    lease = _claim_check(import_id, now)
    job = OrderImport.objects.select_related("shop").get(pk=import_id)
    if lease is None:
        return job
    current = {"lease": lease}

    def progress(rows: int) -> None:
        # The bar moves and the lease is renewed while a large file is read.
        renewed = _now() + _lease()
        OrderImport.objects.filter(pk=import_id, lease_until=current["lease"]).update(
            rows_checked=rows, lease_until=renewed
        )
        current["lease"] = renewed

    try:
        parsed = _read(job, layout=layout_given or job.layout or None, progress=progress)
        plans = plan_orders(shop=job.shop, records=parsed.orders)
    except TableError as error:
        if raise_errors:
            _delete(job)
            raise
        OrderImport.objects.filter(pk=import_id, lease_until=current["lease"]).update(
            status=ImportStatus.FAILED, error=error.as_message(), finished_at=_now(), lease_until=None
        )
        job.refresh_from_db()
        return job
    counts = dict.fromkeys(PLAN_ACTIONS, 0)
    for plan in plans:
        counts[plan.action] += 1
    refused = [row.as_json() for row in parsed.refused]
    refused += [_located(job, plan.refused) for plan in plans if plan.refused is not None]
    refused.sort(key=lambda row: (str(row["file"]) != "orders", int(row["line"])))  # type: ignore[call-overload]
    OrderImport.objects.filter(pk=import_id, lease_until=current["lease"]).update(
        status=ImportStatus.PREVIEWED,
        layout=parsed.layout,
        rows_total=parsed.rows,
        rows_checked=parsed.rows,
        orders_total=len(parsed.orders),
        to_create=counts["create"],
        to_update=counts["update"],
        unchanged=counts["unchanged"],
        skipped=counts["skip"],
        refused=len(refused),
        refused_rows=refused,
        plan=[plan.as_json() for plan in plans],
        lease_until=None,
        started_at=None,
    )
    job.refresh_from_db()
    return job


def _located(job: OrderImport, row: RefusedRow) -> dict[str, object]:
    """A refusal of applying, as stored: one about an order's goods names the items file
    when the export has one (Taobao/Tmall), where the goods' lines are."""
    stored = row.as_json()
    if job.items_file and row.field in ITEM_FIELDS:
        stored["file"] = "items"
    stored["field"] = FIELD_COLUMNS.get(job.layout, {}).get(row.field, row.field)
    return stored


def _delete_files(files: list[tuple[Any, str]]) -> None:
    for storage, name in files:
        storage.delete(name)


def _delete(job: OrderImport) -> None:
    for kept in (job.file, job.items_file):
        if kept:
            kept.delete(save=False)
    job.delete()


# --- commit, discard ---------------------------------------------------------------------------


def _locked(import_id: int, actor: User | None) -> OrderImport:
    # Another shop's import is not found (shops.access).
    imports = limit_to_visible_shops(OrderImport.objects.all(), actor)
    job = imports.select_for_update(of=("self",)).select_related("shop").filter(pk=import_id).first()
    if job is None:
        raise NotFound(_("No such import."), details={"id": import_id})
    return job


def commit_import(*, import_id: int, actor: User | None, at: datetime | None = None) -> OrderImport:
    """Write a previewed import: QUEUED, and the worker applies it (run_import). Anything
    but a preview is an InvalidTransition (committing twice included)."""
    require(actor, "marketplaces.import")
    at = at or _now()
    with transaction.atomic():
        job = _locked(import_id, actor)
        if job.status != ImportStatus.PREVIEWED:
            raise InvalidTransition(current=job.status, action="commit", entity="import")
        job.status = ImportStatus.QUEUED
        job.committed_by = actor
        job.lease_until = at + _lease()  # a worker should have taken it by then
        job.save(update_fields=["status", "committed_by", "lease_until"])
        from sellerdesk.marketplaces import tasks  # the tasks module imports this one

        transaction.on_commit(lambda: tasks.run_order_import.enqueue(job.pk))
    return job


def discard_import(*, import_id: int, actor: User | None, at: datetime | None = None) -> OrderImport:
    """Throw a preview (or a failed check) away; its files are deleted, nothing written."""
    require(actor, "marketplaces.import")
    with transaction.atomic():
        job = _locked(import_id, actor)
        if job.status not in (ImportStatus.PREVIEWED, ImportStatus.FAILED, ImportStatus.CHECKING):
            raise InvalidTransition(current=job.status, action="discard", entity="import")
        job.status = ImportStatus.DISCARDED
        job.finished_at = at or _now()
        job.lease_until = None
        job.plan = []
        job.save(update_fields=["status", "finished_at", "lease_until", "plan"])
        files = [(kept.storage, str(kept.name)) for kept in (job.file, job.items_file) if kept]
        transaction.on_commit(lambda: _delete_files(files))
    return job


# --- run ---------------------------------------------------------------------------------------


def _claim_run(import_id: int, now: datetime) -> datetime | None:
    """Take the writing of an import: a queued one, or a running one whose worker's lease
    ran out (it died). Returns the lease, the token every batch checks."""
    lease = now + _lease()
    taken = (
        OrderImport.objects.filter(pk=import_id)
        .filter(Q(status=ImportStatus.QUEUED) | Q(status=ImportStatus.RUNNING, lease_until__lt=now))
        .update(status=ImportStatus.RUNNING, lease_until=lease)
    )
    if taken:
        OrderImport.objects.filter(pk=import_id, started_at__isnull=True).update(started_at=now)
    return lease if taken else None


class LeaseLost(Exception):
    """Another worker took the import over (this one was too slow): stop, write nothing."""


def run_import(import_id: int) -> OrderImport:
    """The worker's commit: apply the import's orders (read again from the kept files) in
    batches of COMMIT_BATCH, each batch one transaction with the import's progress and
    counts, from the first order not yet written; DONE at the end. A job another worker
    holds is returned as it is; a job whose worker died is taken up again once its lease
    ran out, and creates nothing twice."""
    lease = _claim_run(import_id, _now())
    job = OrderImport.objects.select_related("shop", "committed_by").get(pk=import_id)
    if lease is None:
        return job
    try:
        parsed = _read(job, layout=job.layout)
        if job.orders_done == 0:
            # The outcome's refused rows: the reader's, then each refusal met writing.
            OrderImport.objects.filter(pk=import_id, lease_until=lease).update(
                refused_rows=[row.as_json() for row in parsed.refused],
                refused=len(parsed.refused),
                orders_total=len(parsed.orders),
                created=0,
                updated=0,
            )
        size = max(1, int(_settings()["COMMIT_BATCH"]))
        start = job.orders_done
        while start < len(parsed.orders):
            batch = parsed.orders[start : start + size]
            lease = _write_batch(job, batch, lease=lease)
            start += len(batch)
    except LeaseLost:
        logger.info("import %s was taken over by another worker", import_id)
        job.refresh_from_db()
        return job
    except TableError as error:
        _fail(import_id, lease, error.as_message())
        raise
    except Exception as error:
        _fail(import_id, lease, messages.message(IMPORT_FAILED, detail=str(error)[:300]))
        raise
    OrderImport.objects.filter(pk=import_id, lease_until=lease).update(
        status=ImportStatus.DONE, finished_at=_now(), lease_until=None
    )
    job.refresh_from_db()
    return job


def _fail(import_id: int, lease: datetime, error: dict[str, Any]) -> None:
    OrderImport.objects.filter(pk=import_id, lease_until=lease).update(
        status=ImportStatus.FAILED, error=error, finished_at=_now(), lease_until=None
    )


def _write_batch(job: OrderImport, batch: list[MarketOrder], *, lease: datetime) -> datetime:
    """Apply one batch and record it in the import, all in one transaction, if this
    worker still holds the lease; returns the renewed lease."""
    for attempt in range(BATCH_ATTEMPTS):
        try:
            with transaction.atomic():
                locked = OrderImport.objects.select_for_update().get(pk=job.pk)
                if locked.lease_until != lease or locked.status != ImportStatus.RUNNING:
                    raise LeaseLost
                created = updated = 0
                refused: list[dict[str, object]] = []
                now = _now()
                # Read once for the batch, in its transaction (not once per order): the
                # orders we already have and the SKUs' facts (no order written here
                # changes them).
                known = known_orders(shop=job.shop, external_ids=[record.external_id for record in batch])
                skus = sku_facts_by_code(sorted({line.sku_code for record in batch for line in record.lines}))
                for record in batch:
                    applied = apply_market_order(
                        shop=job.shop,
                        record=record,
                        source=Source.FILE,
                        actor=job.committed_by,
                        at=now,
                        import_id=job.pk,
                        sku_facts=skus,
                        known_absent=record.external_id not in known,
                    )
                    if applied.action == "created":
                        created += 1
                    elif applied.action == "updated":
                        updated += 1
                    elif applied.refused is not None:
                        refused.append(_located(job, applied.refused))
                renewed = _now() + _lease()
                locked.orders_done += len(batch)
                locked.created += created
                locked.updated += updated
                locked.refused_rows = [*locked.refused_rows, *refused]
                locked.refused = len(locked.refused_rows)
                locked.lease_until = renewed
                locked.save(
                    update_fields=["orders_done", "created", "updated", "refused_rows", "refused", "lease_until"]
                )
                return renewed
        except OperationalError:
            # A deadlock with a push or an order action on the same rows: the batch was
            # rolled back whole; try it again.
            if attempt == BATCH_ATTEMPTS - 1:
                raise
            logger.warning("import %s: batch rolled back, trying again", job.pk)
    raise AssertionError("unreachable")  # pragma: no cover


# --- restarting ---------------------------------------------------------------------------------


def overdue_imports(now: datetime) -> list[tuple[int, str]]:
    """Imports a worker should have and does not: checking, queued or running with their
    lease (or their pick-up time) past. Each is given a new pick-up time here (so that
    two sweeps do not both send it), and returned with its status, to be enqueued again."""
    due = list(
        OrderImport.objects.filter(
            status__in=(ImportStatus.CHECKING, ImportStatus.QUEUED, ImportStatus.RUNNING), lease_until__lt=now
        )
        .order_by("pk")
        .values_list("pk", "status", "lease_until")
    )
    again: list[tuple[int, str]] = []
    for pk, status, lease_until in due:
        if status != ImportStatus.RUNNING:
            # Never taken, or a checker that died (its check starts over): a new pick-up
            # time, set only if no other sweep moved it first. A running job keeps its
            # lapsed lease: that is what lets the next worker claim it.
            moved = OrderImport.objects.filter(pk=pk, status=status, lease_until=lease_until).update(
                lease_until=now + _lease(), started_at=None if status == ImportStatus.CHECKING else F("started_at")
            )
            if not moved:
                continue
        again.append((pk, status))
    return again


# --- reading -----------------------------------------------------------------------------------


def get_import(*, import_id: int, actor: User | None) -> OrderImport:
    """One import; NotFound if there is none or it is of a shop the actor may not see."""
    require(actor, "marketplaces.import")
    job = (
        limit_to_visible_shops(OrderImport.objects.all(), actor)
        .select_related("shop", "created_by", "committed_by")
        .filter(pk=import_id)
        .first()
    )
    if job is None:
        raise NotFound(_("No such import."), details={"id": import_id})
    return job


def list_imports(*, actor: User | None, shop: Shop | None = None) -> QuerySet[OrderImport]:
    """Imports newest first (of one shop, or all the actor may see)."""
    require(actor, "marketplaces.import")
    found = limit_to_visible_shops(OrderImport.objects.all(), actor)
    if shop is not None:
        found = found.filter(shop=shop)
    return found.order_by("-created_at", "-pk")


__all__ = [
    "CHECK_NOW_BYTES",
    "check_import",
    "commit_import",
    "discard_import",
    "get_import",
    "list_imports",
    "overdue_imports",
    "run_import",
    "start_import",
]

"""Reviewing the whole queue of orders awaiting review as a background job (审单任务),
with its progress recorded so the exception queue can show a progress bar.

`start_review_run` records the run and enqueues `run_review` for the worker; the
worker reviews the orders in batches (`review_batch`), updating the counts after each
batch. `force` reviews orders still in their hold buffer too ("review everything now").
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from sellerdesk.core.errors import Conflict, NotFound
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.orders.models import Order, ReviewRun, ReviewRunStatus
from sellerdesk.orders.review.actions import review_batch, review_due_at
from sellerdesk.orders.states import OrderStatus
from sellerdesk.shops.models import Shop, review_settings_for

ACTIVE = (ReviewRunStatus.QUEUED, ReviewRunStatus.RUNNING)


def _due_order_ids(shop: Shop | None, *, now: datetime, force: bool) -> list[int]:
    waiting = Order.objects.filter(status=OrderStatus.PENDING_REVIEW)
    if shop is not None:
        waiting = waiting.filter(shop=shop)
    if force:
        return list(waiting.order_by("pk").values_list("pk", flat=True))
    rows = list(waiting.filter(reviewed_at__isnull=True).order_by("pk").only(*_DUE_FIELDS))
    settings_by_shop = review_settings_for(sorted({order.shop_id for order in rows}))
    return [order.pk for order in rows if review_due_at(order, settings_by_shop[order.shop_id]) <= now]


_DUE_FIELDS = ("pk", "shop_id", "payment_status", "paid_at", "created_at", "reviewed_at")


@transaction.atomic
def start_review_run(
    *, actor: User | None, shop: Shop | None = None, force: bool = False, at: datetime | None = None
) -> ReviewRun:
    """Queue a review of every order awaiting review (of one shop, or all). One run at a
    time per shop: a second while one is queued or running is a Conflict."""
    require(actor, "orders.review")
    busy = ReviewRun.objects.select_for_update().filter(status__in=ACTIVE)
    busy = busy.filter(shop=shop) if shop is not None else busy
    running = busy.first()
    if running is not None:
        raise Conflict(
            "review_run_active",
            _("A review of the queue is already running (%(done)s of %(total)s done).")
            % {"done": running.done, "total": running.total},
            details={"run": running.pk},
        )
    now = at or timezone.now()
    run = ReviewRun.objects.create(
        shop=shop, created_at=now, created_by=actor, total=len(_due_order_ids(shop, now=now, force=force))
    )
    transaction.on_commit(lambda: run_review.enqueue(run.pk, force))
    return run


def get_review_run(*, run_id: int, actor: User | None) -> ReviewRun:
    require(actor, "orders.view")
    run = ReviewRun.objects.select_related("shop", "created_by").filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No such review run."))
    return run


def latest_review_run(*, actor: User | None) -> ReviewRun | None:
    require(actor, "orders.view")
    return ReviewRun.objects.select_related("shop").order_by("-created_at", "-pk").first()


def execute_review_run(run_id: int, *, force: bool = False) -> ReviewRun:
    """The work of a run: claim it, review its orders batch by batch, record progress."""
    claimed = ReviewRun.objects.filter(pk=run_id, status=ReviewRunStatus.QUEUED).update(
        status=ReviewRunStatus.RUNNING, started_at=timezone.now()
    )
    run = ReviewRun.objects.select_related("shop").get(pk=run_id)
    if not claimed:
        return run
    try:
        now = timezone.now()
        order_ids = _due_order_ids(run.shop, now=now, force=force)
        if len(order_ids) != run.total:
            ReviewRun.objects.filter(pk=run.pk).update(total=len(order_ids))
        size = settings.SELLERDESK["SWEEP_BATCH_SIZE"]
        for start in range(0, len(order_ids), size):
            batch = order_ids[start : start + size]
            result = review_batch(order_ids=batch, now=timezone.now(), actor=run.created_by, force=force)
            ReviewRun.objects.filter(pk=run.pk).update(
                done=F("done") + len(batch), approved=F("approved") + result.approved, held=F("held") + result.held
            )
    except Exception as error:  # recorded for the people watching the bar, then re-raised
        ReviewRun.objects.filter(pk=run.pk).update(
            status=ReviewRunStatus.FAILED, finished_at=timezone.now(), error=str(error)[:500]
        )
        raise
    ReviewRun.objects.filter(pk=run.pk).update(status=ReviewRunStatus.DONE, finished_at=timezone.now())
    run.refresh_from_db()
    return run


@task()
def run_review(run_id: int, force: bool = False) -> int:
    return execute_review_run(run_id, force=force).done

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.core.permissions import Role


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.AGENT)
    # The short name agents sign notes with ("阿华"), as in "11.22 阿华 已催付".
    display_name = models.CharField(_("display name"), max_length=50, blank=True)

    @property
    def signature(self) -> str:
        return self.display_name or self.get_full_name() or self.username


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class TokenScope(models.TextChoices):
    """What a token may do: everything its user may (full), or only read (GET/HEAD)."""

    FULL = "full", _("Full access")
    READ_ONLY = "read_only", _("Read only")


class ApiToken(models.Model):
    """A bearer token. Only its hash is stored; the raw value is shown once at creation.

    A token does at most what its user may (the role), further limited by its scope, its
    expiry and its shops (none: every shop its user sees)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(_("scope"), max_length=20, choices=TokenScope.choices, default=TokenScope.FULL)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    # Written at most once a minute (SELLERDESK["TOKEN_LAST_USED_EVERY_SECONDS"]), not on every request.
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    # A string reference: core sits below shops and imports nothing from it.
    shops = models.ManyToManyField("shops.Shop", blank=True, related_name="+", verbose_name=_("shops"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def generate() -> str:
        return "sd_" + secrets.token_urlsafe(32)


class IdempotencyRecord(models.Model):
    """The first answer to a POST with an Idempotency-Key, replayed for repeats."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key_unique")]


class ScheduleSlot(models.Model):
    """When a periodic job is next due. Workers advance it with a conditional UPDATE, so
    whichever of N workers wins enqueues the job and the others do not."""

    name = models.CharField(max_length=100, unique=True)
    next_run_at = models.DateTimeField()


class AuditEvent(models.Model):
    """What happened to an object that has no audit table of its own — a transfer, a stock
    count, a wave, a shop's settings: who, when, a code and its parameters. The sentence is
    rendered when read, in the reader's language (core.messages); written by the object's
    actions through one writer per code (see core.audit)."""

    object_kind = models.CharField(max_length=30)
    object_id = models.CharField(max_length=64)  # the object's number or code, or its pk
    code = models.CharField(max_length=60)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["object_kind", "object_id", "at"], name="audit_object_at_idx")]


class TaskLease(models.Model):
    """The lease of a background task a worker is running (issue 17 B).

    django-tasks' database backend marks a task RUNNING when a worker claims it and
    nothing more: a worker killed mid-run (OOM, deploy, lost machine) leaves it RUNNING
    forever. The worker running a task renews its lease every few seconds
    (core.leases); a lease left to expire means the worker is gone, and the sweep
    (core.tasks) puts the task back on the queue, or fails it visibly after
    TASK_MAX_ATTEMPTS. `attempts` counts the runs begun."""

    task = models.OneToOneField(
        "django_tasks_database.DBTaskResult", on_delete=models.CASCADE, primary_key=True, related_name="lease"
    )
    worker_id = models.CharField(max_length=64)
    expires_at = models.DateTimeField(db_index=True)
    attempts = models.PositiveSmallIntegerField(default=1)

"""What a start checks before it serves (issue 17 A1).

A development start (SELLERDESK_ENV=development, as `make run` starts; `test` in the
test run) serves with the development defaults. Every other start is a production one
and refuses to serve while a secret it would use is missing, empty, short or a known
default: SECRET_KEY always; the simulated payment gateway's and simulated carrier's
secrets when they are enabled; every carrier webhook key, marketplace push secret and
快递100 salt that is set (an empty one turns its pushes off: nothing is accepted).
`sellerdesk serve` also refuses a database it cannot use (unreachable, not migrated).

`sellerdesk serve` calls `check_production_start` and `database_problems`; wsgi.py and
asgi.py call `refuse_unsafe_production_start`, so gunicorn or uvicorn started on them
directly refuse too. Everything here reads settings only.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings

# Django's own deployment check (security.W009) asks as much of SECRET_KEY.
SECRET_KEY_MIN_LENGTH = 50
# A shared secret that signs webhooks and pushes.
WEBHOOK_SECRET_MIN_LENGTH = 16
MIN_DISTINCT_CHARACTERS = 5
# Values published in the source or the docs: never a secret.
KNOWN_DEFAULTS = frozenset(
    {
        "dev-only-insecure-key-change-me-in-production",
        "simulated-gateway-secret",
        "simulated-carrier-secret",
        "sellerdesk-simulated-carrier",
        "secret",
        "changeme",
        "change-me",
        "password",
    }
)
# gunicorn halts (instead of starting another worker, forever) when a worker exits with
# this status: "App failed to load". uvicorn and any other caller see a non-zero exit.
EXIT_STATUS = 4


@dataclass(frozen=True)
class Secret:
    """A secret a start would use: the environment variable that sets it, its value,
    the shortest length accepted, and whether it must be set at all."""

    variable: str
    value: str
    min_length: int
    required: bool = True


class UnsafeProductionStart(Exception):
    """A production start with secrets that are not secret; the message names them."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(refusal_message(problems))


def is_production() -> bool:
    """Whether this is a production start (SELLERDESK_ENV neither development nor test)."""
    return bool(getattr(settings, "IS_PRODUCTION", True))


def secret_problem(secret: Secret) -> str | None:
    """Why `secret` will not do, in one phrase naming its variable; None when it will."""
    value = secret.value.strip()
    if not value:
        return f"{secret.variable} is not set" if secret.required else None
    if value.lower() in KNOWN_DEFAULTS or value.startswith(("django-insecure-", "<")):
        return f"{secret.variable} is unset or a published default or placeholder"
    if len(value) < secret.min_length:
        return f"{secret.variable} is shorter than {secret.min_length} characters"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return f"{secret.variable} has fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    return None


def production_secrets() -> list[Secret]:
    """Every secret this installation would use, as the settings have it."""
    sellerdesk: Mapping[str, Any] = settings.SELLERDESK
    secrets = [Secret("SECRET_KEY", str(settings.SECRET_KEY or ""), SECRET_KEY_MIN_LENGTH)]
    if getattr(settings, "SIMULATED_GATEWAY_ENABLED", False):
        gateway = str(sellerdesk.get("GATEWAY_SECRETS", {}).get("simulated") or "")
        secrets.append(Secret("SIMULATED_GATEWAY_SECRET", gateway, WEBHOOK_SECRET_MIN_LENGTH))
    if getattr(settings, "SIMULATED_CARRIER_ENABLED", False):
        # Without it the simulated carrier signs with its published default.
        carrier = str(sellerdesk.get("SIMULATED_CARRIER", {}).get("secret") or "")
        secrets.append(Secret("SIMULATED_CARRIER_SECRET", carrier, WEBHOOK_SECRET_MIN_LENGTH))
    for code, key in sorted(sellerdesk.get("CARRIER_WEBHOOK_SECRETS", {}).items()):
        secrets.append(Secret(f"CARRIER_WEBHOOK_SECRETS[{code}]", str(key or ""), WEBHOOK_SECRET_MIN_LENGTH))
    optional = [
        ("MARKETPLACE_PUSH_SECRET", sellerdesk.get("MARKETPLACES", {}).get("PUSH_SECRET")),
        ("SERVICE_MARKETPLACE_SECRET", sellerdesk.get("SERVICE", {}).get("MARKETPLACE_SECRET")),
        ("KUAIDI100_SALT", sellerdesk.get("KUAIDI100", {}).get("SALT")),
    ]
    for variable, value in optional:
        secrets.append(Secret(variable, str(value or ""), WEBHOOK_SECRET_MIN_LENGTH, required=False))
    return secrets


def production_problems() -> list[str]:
    """What stops a production start, one phrase per variable; empty for a development
    start or when every secret will do."""
    if not is_production():
        return []
    return [problem for secret in production_secrets() if (problem := secret_problem(secret)) is not None]


def refusal_message(problems: list[str]) -> str:
    """The one message a refused start prints."""
    lines = [
        f"sellerdesk: refusing to start in production (SELLERDESK_ENV={settings.SELLERDESK_ENV}):",
        *(f"  - {problem}" for problem in problems),
        "Set these in the environment (docs/deploy.md), or start with SELLERDESK_ENV=development "
        "on a development machine.",
    ]
    return "\n".join(lines)


def check_production_start() -> None:
    """Raise UnsafeProductionStart naming every variable to set, when this production
    start would serve with a missing, short or published secret."""
    problems = production_problems()
    if problems:
        raise UnsafeProductionStart(problems)


def refuse_unsafe_production_start() -> None:
    """For the WSGI/ASGI application: print the refusal and exit with EXIT_STATUS when
    check_production_start refuses; return otherwise."""
    try:
        check_production_start()
    except UnsafeProductionStart as refusal:
        print(refusal, file=sys.stderr, flush=True)
        raise SystemExit(EXIT_STATUS) from None


def database_problems() -> list[str]:
    """Why the default database cannot be served from (unreachable, migrations not
    applied); empty when it can."""
    from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as error:
        return [f"the database cannot be used: {error}".strip()]
    if pending:
        return [f"the database is not migrated ({len(pending)} migrations to apply): run `sellerdesk migrate`"]
    return []


def development_notice() -> str:
    """What a development start says once: that it uses the development defaults."""
    return (
        f"Development start (SELLERDESK_ENV={settings.SELLERDESK_ENV}): development SECRET_KEY and secrets "
        "unless set, the simulated payment gateway and carrier on, plain http. Not for production "
        "(docs/deploy.md)."
    )

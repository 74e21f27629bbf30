"""Issue 17 A1, A2: a production start refuses public secrets; `check --deploy` is clean
with the environment docs/deploy.md documents.

The starts run in subprocesses with an environment of their own (no SELLERDESK_ENV=test
from the test run): `sellerdesk serve`, gunicorn on the WSGI application, the ASGI
module as uvicorn would import it, `sellerdesk check --deploy`. A refused start exits
before it serves, so none of them listens on a port.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sellerdesk.core import startup

ROOT = Path(__file__).resolve().parent.parent
GOOD_KEY = "k" + secrets.token_urlsafe(60)
GOOD_SECRET = secrets.token_urlsafe(24)


def production_environment(tmp_path: Path, **variables: str) -> dict[str, str]:
    """A production start's environment: nothing of the test run's but PATH and HOME,
    its own var directory and SQLite file, plus `variables`."""
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "SELLERDESK_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return {**environment, **variables}


def run(command: list[str], environment: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    process = subprocess.Popen(
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()  # a start that should have refused is serving: stop the one we started
        stdout, stderr = process.communicate()
        pytest.fail(f"{command} did not exit within {timeout} s:\n{stdout}\n{stderr}")
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def serve(environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "sellerdesk.cli", "serve", "--port", "1"], environment)


# --- the checks, in process: environment → settings → what a production start refuses --


STARTUP_SETTINGS = (
    "SELLERDESK_ENV",
    "IS_PRODUCTION",
    "SECRET_KEY",
    "SIMULATED_GATEWAY_ENABLED",
    "SIMULATED_CARRIER_ENABLED",
    "SELLERDESK",
)


def product_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **variables: str) -> dict[str, Any]:
    """sellerdesk/settings.py as a start with exactly these variables (and none of the
    test run's own: SELLERDESK_ENV=test, the secrets) would read it."""
    for name in list(os.environ):
        if name in READ_BY_SETTINGS or name.startswith(("SECURE_", "SESSION_", "CSRF_", "SELLERDESK_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("SELLERDESK_VAR_DIR", str(tmp_path / "var"))
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "sellerdesk" / "settings.py"))


READ_BY_SETTINGS = (
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SIMULATED_GATEWAY_SECRET",
    "SIMULATED_CARRIER_SECRET",
    "CARRIER_WEBHOOK_SECRETS",
    "MARKETPLACE_PUSH_SECRET",
    "SERVICE_MARKETPLACE_SECRET",
    "KUAIDI100_SALT",
)


def problems_of(settings: Any, product: dict[str, Any]) -> list[str]:
    for name in STARTUP_SETTINGS:
        setattr(settings, name, product[name])
    return startup.production_problems()


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, ["SECRET_KEY is unset or a published default or placeholder"]),
        ({"SECRET_KEY": ""}, ["SECRET_KEY is unset or a published default or placeholder"]),
        ({"SECRET_KEY": "short-but-not-a-default"}, ["SECRET_KEY is shorter than 50 characters"]),
        ({"SECRET_KEY": "a" * 60}, ["SECRET_KEY has fewer than 5 different characters"]),
        (
            {"SECRET_KEY": "<50 or more random characters: secrets.token_urlsafe(50)>"},
            ["SECRET_KEY is unset or a published default or placeholder"],
        ),
        ({"SECRET_KEY": GOOD_KEY}, []),
        ({"SECRET_KEY": GOOD_KEY, "SELLERDESK_ENV": "staging"}, []),
        (
            {"SECRET_KEY": GOOD_KEY, "SELLERDESK_SIMULATED_GATEWAY": "1"},
            ["SIMULATED_GATEWAY_SECRET is unset or a published default or placeholder"],
        ),
        (
            {"SECRET_KEY": GOOD_KEY, "SELLERDESK_SIMULATED_GATEWAY": "1", "SIMULATED_GATEWAY_SECRET": "abc123"},
            ["SIMULATED_GATEWAY_SECRET is shorter than 16 characters"],
        ),
        (
            {"SECRET_KEY": GOOD_KEY, "SELLERDESK_SIMULATED_GATEWAY": "1", "SIMULATED_GATEWAY_SECRET": GOOD_SECRET},
            [],
        ),
        ({"SECRET_KEY": GOOD_KEY, "SELLERDESK_SIMULATED_CARRIER": "1"}, ["SIMULATED_CARRIER_SECRET is not set"]),
        (
            {
                "SECRET_KEY": GOOD_KEY,
                "SELLERDESK_SIMULATED_CARRIER": "1",
                "SIMULATED_CARRIER_SECRET": "simulated-carrier-secret",
            },
            ["SIMULATED_CARRIER_SECRET is unset or a published default or placeholder"],
        ),
        (
            {"SECRET_KEY": GOOD_KEY, "CARRIER_WEBHOOK_SECRETS": json.dumps({"SF": "sf-key", "ZTO": GOOD_SECRET})},
            ["CARRIER_WEBHOOK_SECRETS[SF] is shorter than 16 characters"],
        ),
        (
            {"SECRET_KEY": GOOD_KEY, "MARKETPLACE_PUSH_SECRET": "secret"},
            ["MARKETPLACE_PUSH_SECRET is unset or a published default or placeholder"],
        ),
        (
            {"SECRET_KEY": GOOD_KEY, "SERVICE_MARKETPLACE_SECRET": "x" * 20},
            ["SERVICE_MARKETPLACE_SECRET has fewer than 5 different characters"],
        ),
        ({"SECRET_KEY": GOOD_KEY, "KUAIDI100_SALT": "salt"}, ["KUAIDI100_SALT is shorter than 16 characters"]),
        # A development start keeps every development default.
        ({"SELLERDESK_ENV": "development", "SELLERDESK_SIMULATED_CARRIER": "1"}, []),
        ({"SELLERDESK_ENV": "test"}, []),
    ],
)
def test_a_production_start_refuses_each_missing_short_or_published_secret(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variables: dict[str, str], expected: list[str]
) -> None:
    """Issue 17 A1: SECRET_KEY always, each enabled gateway's and carrier's secret, each
    push secret that is set; every SELLERDESK_ENV but development and test is production."""
    product = product_settings(monkeypatch, tmp_path, **variables)

    assert problems_of(settings, product) == expected


def test_empty_push_secrets_are_fine_they_turn_pushes_off(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 17 A1: an empty push secret accepts nothing, so it is not refused."""
    product = product_settings(
        monkeypatch, tmp_path, SECRET_KEY=GOOD_KEY, MARKETPLACE_PUSH_SECRET="", SERVICE_MARKETPLACE_SECRET=""
    )

    assert problems_of(settings, product) == []


def test_production_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Issue 17 A2: HTTPS, HSTS, cookies, the proxy's header, hosts, origins and session
    age: on by default in production, off for development, each from the environment."""
    names = (
        "IS_PRODUCTION",
        "ALLOWED_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "CSRF_COOKIE_HTTPONLY",
        "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_AGE",
        "SIMULATED_GATEWAY_ENABLED",
        "SIMULATED_CARRIER_ENABLED",
    )

    def chosen(**variables: str) -> dict[str, Any]:
        product = product_settings(monkeypatch, tmp_path, **variables)
        return {name: product[name] for name in names}

    assert chosen() == {
        "IS_PRODUCTION": True,
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost"],
        "CSRF_TRUSTED_ORIGINS": [],
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_PROXY_SSL_HEADER": None,
        "SESSION_COOKIE_AGE": 1209600,
        "SIMULATED_GATEWAY_ENABLED": False,
        "SIMULATED_CARRIER_ENABLED": False,
    }
    assert chosen(
        ALLOWED_HOSTS="shop.example.com, admin.example.com",
        CSRF_TRUSTED_ORIGINS="https://shop.example.com",
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="1",
        SESSION_COOKIE_AGE="3600",
        SELLERDESK_SIMULATED_GATEWAY="1",
    ) == {
        "IS_PRODUCTION": True,
        "ALLOWED_HOSTS": ["shop.example.com", "admin.example.com"],
        "CSRF_TRUSTED_ORIGINS": ["https://shop.example.com"],
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 600,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SESSION_COOKIE_AGE": 3600,
        "SIMULATED_GATEWAY_ENABLED": True,
        "SIMULATED_CARRIER_ENABLED": False,
    }
    assert chosen(SELLERDESK_ENV="development") == {
        "IS_PRODUCTION": False,
        "ALLOWED_HOSTS": ["127.0.0.1", "localhost", "testserver"],
        "CSRF_TRUSTED_ORIGINS": [],
        "SECURE_SSL_REDIRECT": False,
        "SECURE_HSTS_SECONDS": 0,
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": False,
        "SESSION_COOKIE_SECURE": False,
        "CSRF_COOKIE_SECURE": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_PROXY_SSL_HEADER": None,
        "SESSION_COOKIE_AGE": 1209600,
        "SIMULATED_GATEWAY_ENABLED": True,
        "SIMULATED_CARRIER_ENABLED": True,
    }


def test_the_test_run_is_a_test_start() -> None:
    """The suite runs as SELLERDESK_ENV=test (tests/support/environment.py), never as production."""
    from django.conf import settings

    assert (settings.SELLERDESK_ENV, settings.IS_PRODUCTION, settings.SECURE_SSL_REDIRECT) == ("test", False, False)


# --- sellerdesk serve, in a subprocess ---------------------------------------------------


def test_serve_refuses_in_production_naming_every_variable_in_one_message(tmp_path: Path) -> None:
    """Issue 17 A1: without SELLERDESK_ENV=development the published SECRET_KEY and the
    secrets of what is enabled are refused: one message, every variable in it, exit 1."""
    environment = production_environment(
        tmp_path, SELLERDESK_SIMULATED_GATEWAY="1", SELLERDESK_SIMULATED_CARRIER="1", MARKETPLACE_PUSH_SECRET="x"
    )

    result = serve(environment)

    assert result.returncode == 1
    named = re.findall(r"^  - (\S+) ", result.stderr, flags=re.MULTILINE)
    assert named == ["SECRET_KEY", "SIMULATED_GATEWAY_SECRET", "SIMULATED_CARRIER_SECRET", "MARKETPLACE_PUSH_SECRET"]
    assert result.stderr.count("refusing to start in production (SELLERDESK_ENV=production)") == 1
    assert "Traceback" not in result.stderr
    assert "serving at" not in result.stdout


def test_serve_exits_non_zero_on_an_unmigrated_database(tmp_path: Path) -> None:
    """Issue 17 A1: an unmigrated database used to crash the web server and exit 0."""
    result = serve(production_environment(tmp_path, SECRET_KEY=GOOD_KEY))

    assert result.returncode == 1
    assert "the database is not migrated" in result.stderr
    assert "sellerdesk migrate" in result.stderr
    assert "Traceback" not in result.stderr
    assert "serving at" not in result.stdout


# --- gunicorn / uvicorn on the applications ---------------------------------------------


def test_gunicorn_on_the_wsgi_application_refuses_and_stops(tmp_path: Path) -> None:
    """Issue 17 A1: gunicorn started on the WSGI application directly refuses too, and
    stops (status 4, "App failed to load") instead of starting workers again and again."""
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "sellerdesk.wsgi:application",
        "--bind",
        "127.0.0.1:0",
        "--workers",
        "1",
        "--log-level",
        "warning",
    ]

    result = run(command, production_environment(tmp_path))

    assert result.returncode == startup.EXIT_STATUS
    assert "SECRET_KEY is unset or a published default" in result.stderr
    assert result.stderr.count("refusing to start in production") == 1


def test_the_asgi_application_refuses_to_load(tmp_path: Path) -> None:
    """Issue 17 A1: what uvicorn (or gunicorn's uvicorn worker) imports exits, naming the variable."""
    environment = production_environment(tmp_path, SELLERDESK_SIMULATED_GATEWAY="1", SECRET_KEY=GOOD_KEY)

    result = run([sys.executable, "-c", "import sellerdesk.asgi"], environment)

    assert result.returncode == startup.EXIT_STATUS
    assert "SIMULATED_GATEWAY_SECRET is unset or a published default" in result.stderr
    assert "Traceback" not in result.stderr


# --- the documented environment ---------------------------------------------------------


def documented_environment() -> dict[str, str]:
    """The production environment block of docs/deploy.md, its <placeholders> filled."""
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- production-environment[^>]*-->\s*```sh\n(.*?)```", text, flags=re.DOTALL)
    assert block is not None, "docs/deploy.md lost its production-environment block"
    variables = {}
    for line in block.group(1).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, value = line.partition("=")
        variables[name.strip()] = re.sub(r"<[^>]*>", lambda _: secrets.token_urlsafe(60), value.strip())
    return variables


def test_check_deploy_is_clean_with_the_documented_environment(tmp_path: Path) -> None:
    """Issue 17 A2: `sellerdesk check --deploy` reports nothing with docs/deploy.md's environment."""
    environment = production_environment(tmp_path, **documented_environment())

    result = run([sys.executable, "-m", "sellerdesk.cli", "check", "--deploy", "--fail-level", "WARNING"], environment)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_asgi_application_loads_with_the_documented_environment(tmp_path: Path) -> None:
    """Issue 17 A1: with the documented environment filled in, the application loads."""
    environment = production_environment(tmp_path, **documented_environment())

    result = run([sys.executable, "-c", "import sellerdesk.asgi; print('loaded')"], environment)

    assert (result.returncode, result.stdout.strip()) == (0, "loaded"), result.stderr


def test_the_documented_environment_copied_unfilled_is_refused(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Issue 17 A1: docs/deploy.md's environment copied with its <placeholders> is refused."""
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    unfilled = {**documented_environment(), "SECRET_KEY": re.findall(r"^SECRET_KEY=(.*)$", text, flags=re.MULTILINE)[0]}

    product = product_settings(monkeypatch, tmp_path, **unfilled)

    assert problems_of(settings, product) == ["SECRET_KEY is unset or a published default or placeholder"]


# --- in process: the simulated gateway and carrier off in production ----------------


@pytest.mark.django_db
def test_the_simulated_gateway_is_off_in_production(settings: Any, anonymous_api: Any) -> None:
    """Issue 17 A1: with the gateway's published secret, a notification marked any order
    paid; in production the simulated gateway does not answer at all."""
    from tests.api.helpers import sign

    settings.SIMULATED_GATEWAY_ENABLED = False
    body = b'{"order_number": "X1", "amount": "10.00", "transaction_id": "T1"}'

    response = anonymous_api.client.post(
        "/api/v1/payments/notify/simulated", data=body, content_type="application/json", HTTP_X_SIGNATURE=sign(body)
    )

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_the_simulated_carrier_is_off_in_production(settings: Any, anonymous_api: Any) -> None:
    """Issue 17 A1: a tracking push signed with the simulated carrier's published key is
    refused in production, before anything is read."""
    from sellerdesk.logistics.carriers import adapter_for
    from sellerdesk.logistics.models import Carrier

    carrier = Carrier.objects.create(code="SIMX", name="Sim X", adapter="simulated")
    body, headers = adapter_for(carrier).webhook([])  # type: ignore[attr-defined]
    settings.SIMULATED_CARRIER_ENABLED = False

    response = anonymous_api.client.post(
        "/api/v1/carriers/SIMX/tracking",
        data=body,
        content_type="application/json",
        HTTP_X_SIGNATURE=headers["X-Signature"],
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 422
    assert response.json()["details"]["fields"] == {"adapter": "the simulated carrier is off in production"}


def test_a_production_worker_refuses_the_published_secrets_too(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17 A1: `sellerdesk worker` (started alone, on any machine) is a production start too."""
    from django.core.management import CommandError, call_command

    from sellerdesk.core.management.commands import worker

    def started(**_: Any) -> None:
        raise AssertionError("the worker started")

    monkeypatch.setattr(worker, "Worker", started)
    monkeypatch.setattr(worker.threading, "Thread", lambda **_: pytest.fail("the scheduler started"))
    settings.IS_PRODUCTION = True
    settings.SELLERDESK_ENV = "production"
    settings.SECRET_KEY = settings.DEVELOPMENT_SECRET_KEY
    settings.SIMULATED_GATEWAY_ENABLED = False
    settings.SIMULATED_CARRIER_ENABLED = False

    with pytest.raises(CommandError, match=r"SECRET_KEY is unset or a published default"):
        call_command("worker")

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client, override_settings

from tests.factories import make_token, make_user
from tests.support.clock import TEST_NOW, VARIABLE, travel_to_test_now

# Modules loading the same demo shop share one load, one after the other on one worker
# (tests/support/demo_sharing.py): its hooks, and the sort key putting them first.
from tests.support.demo_sharing import (  # noqa: F401
    demo_first,
    pytest_runtest_setup,
    pytest_runtest_teardown,
    pytest_xdist_make_scheduler,
)


def pytest_report_header(config: pytest.Config) -> str:
    return f"test clock: {TEST_NOW.isoformat()} (repeat with {VARIABLE}={TEST_NOW.isoformat()})"


# Modules that take tens of seconds each (threads and processes against PostgreSQL, demo
# loads, the browser).
SLOW_MODULES = ("tests/pg/", "tests/test_demo.py", "tests/logistics/test_demo.py", "tests/e2e/")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # pytest-xdist (--dist loadscope) hands the modules out in the order collected: a slow
    # one handed out last keeps one process busy while the others wait. Under xdist the
    # slow modules go first, the demo modules before them, side by side by the load they
    # share; a run in one process keeps the files' order.
    if os.environ.get("PYTEST_XDIST_WORKER"):
        items.sort(key=lambda item: (demo_first(item), not item.nodeid.startswith(SLOW_MODULES)))


@pytest.fixture(scope="session")
def django_db_modify_db_settings_xdist_suffix(request: pytest.FixtureRequest) -> None:
    # pytest-django gives each pytest-xdist worker its own test database by adding the
    # worker's id to the name, but knows SQLite only by Django's engine name and takes
    # ours (sellerdesk.core.sqlite) for a server: it would name a file "test_/…/var/…".
    # The SQLite test database is in memory, one per process already; a server's gets
    # the suffix as pytest-django would give it.
    from django.conf import settings

    worker = getattr(request.config, "workerinput", {}).get("workerid")
    for database in settings.DATABASES.values():
        if worker and "sqlite" not in database["ENGINE"]:
            test = database.setdefault("TEST", {})
            test["NAME"] = f"{test.get('NAME') or 'test_' + database['NAME']}_{worker}"


@pytest.fixture(scope="session", autouse=True)
def _media_of_the_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # Uploaded evidence, and the photos every demo load draws, go to a directory of this
    # run, never to var/media (session-wide: the module-scoped demo loads come first).
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        yield


@pytest.fixture(scope="session", autouse=True)
def _simulated_outputs_of_the_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # What the simulated SMS gateway "sends" goes to a log of this run, never to var/sms.log.
    from django.conf import settings

    notifications = {
        **settings.SELLERDESK.get("NOTIFICATIONS", {}),
        "SMS_LOG": tmp_path_factory.mktemp("sms") / "sms.log",
    }
    # The simulated marketplace's files (orders to pull, shipments told) likewise.
    marketplaces = {
        **settings.SELLERDESK.get("MARKETPLACES", {}),
        "SIMULATED_DIR": tmp_path_factory.mktemp("marketplace"),
    }
    changed = {**settings.SELLERDESK, "NOTIFICATIONS": notifications, "MARKETPLACES": marketplaces}
    with override_settings(SELLERDESK=changed):
        yield


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    # Staff users are made in most tests and logged in in many: the production hasher
    # (PBKDF2, about a quarter of a second a hash by design) was a large share of the
    # suite's time. Tests hash with a fast one; tests/test_security_settings.py checks
    # that the product itself keeps the slow, salted hashers.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _test_clock() -> Iterator[None]:
    # Every test starts at the same moment, whatever the machine's date (see
    # tests/support/clock.py); the clock ticks on from there.
    with travel_to_test_now():
        yield


@pytest.fixture(autouse=True)
def _fresh_token_checks(settings: Any) -> None:
    # Tests revoke tokens, deactivate users and edit shops, and expect it to bite at once.
    settings.SELLERDESK = {**settings.SELLERDESK, "TOKEN_CACHE_SECONDS": 0, "REFERENCE_CACHE_SECONDS": 0}


class ApiClient:
    """Django's test client speaking JSON with a bearer token."""

    def __init__(self, token: str | None) -> None:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        self.client = Client(**headers)

    def _send(self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        extra = {f"HTTP_{key.upper().replace('-', '_')}": value for key, value in (headers or {}).items()}
        data = body if isinstance(body, (str, bytes)) else json.dumps(body if body is not None else {})
        return getattr(self.client, method)(path, data=data, content_type="application/json", **extra)

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params)

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self._send("post", path, body, headers)

    def put(self, path: str, body: Any = None) -> Any:
        return self._send("put", path, body)

    def patch(self, path: str, body: Any = None) -> Any:
        return self._send("patch", path, body)

    def delete(self, path: str) -> Any:
        return self._send("delete", path)


@pytest.fixture
def owner(db: Any) -> Any:
    return make_user("owner", "owner", "老板")


@pytest.fixture
def agent(db: Any) -> Any:
    return make_user("agent", "agent", "阿华")


@pytest.fixture
def warehouse_user(db: Any) -> Any:
    return make_user("picker", "warehouse", "小王")


@pytest.fixture
def api(owner: Any) -> ApiClient:
    return ApiClient(make_token(owner))


@pytest.fixture
def agent_api(agent: Any) -> ApiClient:
    return ApiClient(make_token(agent))


@pytest.fixture
def anonymous_api(db: Any) -> ApiClient:
    return ApiClient(None)

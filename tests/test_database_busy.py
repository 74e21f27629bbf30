"""A write that gave up waiting for the database (DatabaseBusy) answers 503 with a
readable message: JSON from the API, a page (or, for htmx, the message alone) in the UI."""

from __future__ import annotations

from typing import Any, NoReturn

import pytest
from django.test import Client

from sellerdesk.core.errors import DatabaseBusy
from sellerdesk.logistics import actions, queries
from sellerdesk.logistics.models import Carrier

MESSAGE = "The database is busy with other work; nothing was saved. Please try again in a moment."


def busy(*args: Any, **kwargs: Any) -> NoReturn:
    raise DatabaseBusy(waited_seconds=20.04)


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


def test_the_api_answers_503_database_busy(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a write that cannot get the database
    monkeypatch.setattr(actions, "create_carrier", busy)

    # when a carrier is created through the API
    response = api.post("/api/v1/carriers", {"code": "DB", "name": "德邦"})

    # then the answer is 503 with the code and a message to read, and nothing is written
    assert response.status_code == 503
    assert response.json() == {"code": "database_busy", "message": MESSAGE, "details": {"waited_seconds": 20.0}}
    assert Carrier.objects.filter(code="DB").count() == 0


def test_a_staff_page_shows_the_message_with_503(agent: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(queries, "list_carriers", busy)
    client = Client()
    client.force_login(agent)

    page = client.get("/logistics/carriers/", HTTP_ACCEPT_LANGUAGE="en")
    fragment = client.get("/logistics/carriers/", HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 503
    assert MESSAGE in page.content.decode()
    assert fragment.status_code == 503
    assert fragment.content.decode() == f'<div class="msg msg-error" role="alert">{MESSAGE}</div>'

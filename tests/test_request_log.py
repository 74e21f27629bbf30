"""Issue 17 A5: the request log writes a refused request (403, 404, 409, 422 …) as one
line, never with a traceback; a server error keeps its traceback."""

from __future__ import annotations

import logging
import sys
from typing import Any

import pytest
from django.test import Client

from sellerdesk.core.request_log import ClientErrorsOnOneLine


def request_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name.startswith(("django.request", "django.security"))]


def assert_one_line_each(caplog: pytest.LogCaptureFixture, status: int) -> logging.LogRecord:
    records = request_records(caplog)
    assert [record.status_code for record in records] == [status]  # type: ignore[attr-defined]
    assert records[0].exc_info is None
    assert "\n" not in records[0].getMessage()
    assert "Traceback" not in caplog.text
    return records[0]


@pytest.mark.django_db
def test_a_page_not_found_is_one_line(caplog: pytest.LogCaptureFixture, owner: Any) -> None:
    """Issue 17 A5: Django logged Http404 (an unknown path) with its traceback."""
    client = Client()
    client.force_login(owner)

    with caplog.at_level(logging.WARNING):
        response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert assert_one_line_each(caplog, 404).getMessage() == "Not Found: /no-such-page/"


@pytest.mark.django_db
def test_a_path_with_a_newline_cannot_forge_a_log_line(caplog: pytest.LogCaptureFixture, owner: Any) -> None:
    client = Client()
    client.force_login(owner)

    with caplog.at_level(logging.WARNING):
        response = client.get("/no-such-page%0AERROR forged line/")

    assert response.status_code == 404
    assert assert_one_line_each(caplog, 404).getMessage() == "Not Found: /no-such-page\\nERROR forged line/"


@pytest.mark.django_db
def test_a_forbidden_page_is_one_line(caplog: pytest.LogCaptureFixture, warehouse_user: Any) -> None:
    """Issue 17 A5: PermissionDenied (403) was logged with its traceback."""
    client = Client()
    client.force_login(warehouse_user)

    with caplog.at_level(logging.WARNING):
        response = client.get("/customers/export/")

    assert response.status_code == 403
    assert assert_one_line_each(caplog, 403).getMessage() == "Forbidden (Permission denied): /customers/export/"


@pytest.mark.django_db
def test_api_refusals_are_one_line(caplog: pytest.LogCaptureFixture, api: Any) -> None:
    with caplog.at_level(logging.WARNING):
        missing = api.get("/api/v1/orders/NOPE")
    assert missing.status_code == 404
    assert_one_line_each(caplog, 404)
    caplog.clear()

    with caplog.at_level(logging.WARNING):
        invalid = api.post("/api/v1/orders", {"lines": "not a list"})
    assert invalid.status_code == 422
    assert_one_line_each(caplog, 422)


def test_a_server_error_keeps_its_traceback() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()
    server_error = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/x",), exc_info
    )
    server_error.status_code = 500
    refused = logging.LogRecord("django.request", logging.WARNING, __file__, 1, "Not Found: %s", ("/a\r\nb",), exc_info)
    refused.status_code = 404

    assert ClientErrorsOnOneLine().filter(server_error) and ClientErrorsOnOneLine().filter(refused)

    assert server_error.exc_info == exc_info
    assert (refused.getMessage(), refused.exc_info) == ("Not Found: /a\\r\\nb", None)

"""Nothing is downloaded at run time: every script, style and font is served by us."""

import re

import pytest
from django.test import Client

from tests.factories import make_user

EXTERNAL = re.compile(r"""(?:src|href)=["'](?:https?:)?//""")


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs", "/login/"])
def test_pages_reference_no_outside_assets(path: str) -> None:
    response = Client().get(path)

    assert response.status_code == 200
    assert EXTERNAL.findall(response.content.decode()) == []


@pytest.mark.django_db
def test_staff_pages_reference_no_outside_assets() -> None:
    client = Client()
    client.force_login(make_user("agent", "agent"))

    response = client.get("/orders/")

    assert response.status_code == 200
    assert EXTERNAL.findall(response.content.decode()) == []
    assert "/static/django_htmx/htmx" in response.content.decode()

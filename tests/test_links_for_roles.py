"""No page offers a link its reader may not open (issue 17 D walkthrough): the warehouse
staff's purchasing tabs offered "Import a list" and the bulk-ship page "Marketplace
order files", both answering 403 to them."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.factories import make_user

# Downloads and sign-out are not pages to open here.
NOT_PAGES = ("logout", "export", ".xlsx", ".pdf", "/i18n/")


def links_in_main(html: str) -> set[str]:
    main = html[html.index("<main") :]
    return {href for href in re.findall(r'href="(/[^"#]*)"', main) if not any(part in href for part in NOT_PAGES)}


@pytest.mark.parametrize(
    "page", ["/purchasing/", "/purchasing/suppliers/", "/purchasing/returns/", "/marketplaces/bulk-ship/"]
)
def test_the_warehouse_staff_are_offered_no_link_they_may_not_open(page: str, default_shop: Any) -> None:  # noqa: F811
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(make_user("xiaowang", "warehouse", "小王"))
    answer = client.get(page)
    assert answer.status_code == 200

    refused = {href: client.get(href).status_code for href in links_in_main(answer.content.decode())}
    assert {href: status for href, status in refused.items() if status == 403} == {}

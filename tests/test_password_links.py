"""Links that set a staff password (core.passwords): an invitation emailed to a new
member of staff who has an address (no initial password for the owner to pass on), a new
link the owner emails from the Staff page, and "Forgot your password?". The mail goes
through a real SMTP server on 127.0.0.1 and is read back as it arrived."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast

import pytest
from django.test import Client
from django.utils import timezone

from sellerdesk.core.models import User
from tests.factories import make_user
from tests.notifications.smtp_server import LocalSmtp, local_smtp_server
from tests.support.pgserver import free_port

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
LINK = re.compile(r"http://testserver(/password/reset/[^/\s]+/[^/\s]+/)")


@pytest.fixture
def smtp(settings: Any) -> Iterator[LocalSmtp]:
    with local_smtp_server() as server:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = server.host, server.port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield server


@pytest.fixture
def owner_client(owner: User) -> Client:
    client = Client(**EN)
    client.force_login(owner)
    return client


def read(received: Any) -> EmailMessage:
    return cast(EmailMessage, message_from_bytes(received.data, policy=policy.default))


def link_in(mail: EmailMessage) -> str:
    found = LINK.search(mail.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
    assert found, mail
    return found.group(1)


def choose_password(path: str, password: str) -> Any:
    client = Client(**EN)
    # Django's confirm view moves the token into the session and redirects to set-password.
    form = client.get(path, follow=True)
    assert form.status_code == 200 and form.context["validlink"], "the link should work"
    return client.post(form.redirect_chain[-1][0], {"new_password1": password, "new_password2": password}, follow=True)


def test_an_invitation_with_an_email_is_a_link_and_no_password_anyone_else_knows(
    smtp: LocalSmtp, owner_client: Client
) -> None:
    answer = owner_client.post(
        "/staff/",
        {
            "do": "invite",
            "username": "xiaomei",
            "display_name": "小美",
            "email": "xiaomei@shop.example",
            "role": "agent",
        },
    )

    page = answer.content.decode()
    assert answer.status_code == 200 and 'id="invited-password"' not in page
    assert "A link to choose a password was emailed to xiaomei@shop.example; it works for 3 days." in page
    user = User.objects.get(username="xiaomei")
    assert not user.has_usable_password()
    [received] = smtp.received
    assert received.rcpt_tos == ["xiaomei@shop.example"]
    mail = read(received)
    assert mail["Subject"] == "You are invited to sellerdesk"
    text = mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert "Hello 小美," in text and "Your username is xiaomei." in text and "for 3 days" in text

    saved = choose_password(link_in(mail), "chun-tian-de-mima-2026")

    assert "Password saved" in saved.content.decode()
    assert Client().login(username="xiaomei", password="chun-tian-de-mima-2026")
    # used once: the same link no longer works
    again = Client(**EN).get(link_in(mail), follow=True)
    assert again.context["validlink"] is False and 'id="password-link-invalid"' in again.content.decode()


def test_without_an_email_the_initial_password_is_shown_once(smtp: LocalSmtp, owner_client: Client) -> None:
    answer = owner_client.post("/staff/", {"do": "invite", "username": "laowang", "role": "warehouse"})

    shown = re.search(r'id="invited-password">([^<]+)<', answer.content.decode())
    assert shown and Client().login(username="laowang", password=shown.group(1))
    assert smtp.received == []


def test_the_owner_emails_a_new_link_and_a_refused_mail_loses_nothing(
    smtp: LocalSmtp, owner_client: Client, settings: Any
) -> None:
    member = make_user("ahua", "agent", "阿华")
    member.email = "ahua@shop.example"
    member.save()
    page = owner_client.get("/staff/").content.decode()
    assert 'value="send_link"' in page

    sent = owner_client.post("/staff/", {"do": "send_link", "user": str(member.pk)}, follow=True)

    assert "emailed to ahua@shop.example" in sent.content.decode()
    mail = read(smtp.received[0])
    assert mail["Subject"] == "Set your sellerdesk password"
    choose_password(link_in(mail), "xin-mima-9876543")
    assert Client().login(username="ahua", password="xin-mima-9876543")

    # no mail server listening: the invitation is refused by the network, the account stays
    settings.EMAIL_PORT = free_port()
    refused = owner_client.post(
        "/staff/", {"do": "invite", "username": "newbie", "email": "newbie@shop.example", "role": "agent"}
    )
    assert "could not be sent" in refused.content.decode()
    assert User.objects.filter(username="newbie", is_active=True).exists()


def test_a_member_without_an_email_gets_no_link(smtp: LocalSmtp, owner_client: Client) -> None:
    member = make_user("nomail", "agent")

    answer = owner_client.post("/staff/", {"do": "send_link", "user": str(member.pk)}, follow=True)

    assert "nomail has no email address." in answer.content.decode()
    assert smtp.received == []


def test_forgot_password_sends_a_link_to_an_account_and_says_the_same_for_none(smtp: LocalSmtp) -> None:
    member = make_user("xiaoli", "agent", "小丽")
    member.email = "XiaoLi@shop.example"
    member.save()
    login = Client(**EN).get("/login/").content.decode()
    assert 'href="/password/reset/"' in login

    known = Client(**EN).post("/password/reset/", {"email": "xiaoli@shop.example"}, follow=True)
    unknown = Client(**EN).post("/password/reset/", {"email": "nobody@shop.example"}, follow=True)

    assert (
        'id="password-reset-sent"' in known.content.decode() and 'id="password-reset-sent"' in unknown.content.decode()
    )
    [received] = smtp.received
    assert received.rcpt_tos == ["XiaoLi@shop.example"]
    choose_password(link_in(read(received)), "wang-le-mima-1234")
    assert Client().login(username="xiaoli", password="wang-le-mima-1234")


def test_a_deactivated_account_gets_no_link(smtp: LocalSmtp) -> None:
    member = make_user("gone", "agent")
    member.email = "gone@shop.example"
    member.is_active = False
    member.save()

    Client(**EN).post("/password/reset/", {"email": "gone@shop.example"})

    assert smtp.received == []


def test_the_pages_and_the_mail_speak_chinese(smtp: LocalSmtp) -> None:
    member = make_user("xiaozhang", "agent", "小张")
    member.email = "xz@shop.example"
    member.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")

    page = client.get("/password/reset/").content.decode()
    client.post("/password/reset/", {"email": "xz@shop.example"})

    assert "忘记密码" in page
    mail = read(smtp.received[0])
    assert mail["Subject"] == "设置您的 sellerdesk 密码"
    assert "您好，小张" in mail.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]


def test_forgot_password_sends_an_account_at_most_three_links_an_hour_and_audits_each(
    smtp: LocalSmtp, owner_client: Client, time_machine: Any
) -> None:
    member = make_user("busy", "agent")
    member.email = "busy@shop.example"
    member.save()

    answers = [Client(**EN).post("/password/reset/", {"email": "busy@shop.example"}) for _ in range(5)]

    assert [answer.status_code for answer in answers] == [302] * 5  # the same answer every time
    assert len(smtp.received) == 3
    time_machine.move_to(timezone.now() + timedelta(minutes=61))
    Client(**EN).post("/password/reset/", {"email": "busy@shop.example"})
    assert len(smtp.received) == 4
    page = owner_client.get("/staff/").content.decode()
    assert page.count("A link to choose a password was e-mailed: asked for on the login page.") == 4

"""The service desk's screens under /service/ (views.py: the desk; views_care.py: quick
replies, handovers, follow-ups, the survey page; views_portal.py: the buyer's chat).
Each owner adds their paths in their own block."""

from __future__ import annotations

from django.urls import URLPattern, path  # noqa: F401  (the owners add their screens)

from sellerdesk.service import views_portal

app_name = "service"

urlpatterns: list[URLPattern] = [
    # desk (H5)
    # care (H6)
    # portal chat (H2)
    path("chat/", views_portal.chat, name="portal_chat"),
    path("chat/messages/", views_portal.messages_after, name="portal_chat_messages"),
    path("chat/send/", views_portal.send, name="portal_chat_send"),
    path("chat/read/", views_portal.read, name="portal_chat_read"),
    path("chat/images/<int:pk>/", views_portal.attachment, name="portal_chat_attachment"),
]

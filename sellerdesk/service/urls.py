"""The service desk's screens under /service/ (views.py: the desk; views_care.py: quick
replies, handovers, follow-ups, the survey page; views_portal.py: the buyer's chat).
Each owner adds their paths in their own block."""

from __future__ import annotations

from django.urls import URLPattern, path  # noqa: F401  (the owners add their screens)

app_name = "service"

urlpatterns: list[URLPattern] = [
    # desk (H5)
    # care (H6)
    # portal chat (H2)
]

"""`{% if user|may:"purchasing.view" %}`: show what a role may do (the actions still check)."""

from __future__ import annotations

from typing import Any

from django import template

from sellerdesk.core.permissions import PERMISSIONS, has_permission

register = template.Library()


@register.filter
def may(user: Any, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise template.TemplateSyntaxError(f"unknown permission {permission}")
    return bool(user.is_authenticated) and has_permission(user, permission)

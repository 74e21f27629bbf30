from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sellerdesk.core.errors import DomainError
from sellerdesk.core.models import TokenScope, User
from sellerdesk.core.tokens import create_token


class Command(BaseCommand):
    help = "API tokens: `token create <username>` prints a new token as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["create"])
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for")
        parser.add_argument(
            "--scope", choices=TokenScope.values, default=TokenScope.FULL, help="full (default) or read_only"
        )
        parser.add_argument("--expires", type=int, metavar="DAYS", help="expires after this many days (default: never)")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']}")
        days = options["expires"]
        if days is not None and days <= 0:
            raise CommandError("--expires takes a number of days above 0")
        expires_at = timezone.now() + timedelta(days=days) if days else None
        try:
            made = create_token(user=user, name=options["name"], scope=options["scope"], expires_at=expires_at)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"token for {user.username} ({user.role}); it is shown only once:")
        self.stdout.write(made.raw)

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sellerdesk.core.models import ApiToken, User, hash_token


class Command(BaseCommand):
    help = "API tokens: `token create <username>` prints a new token as the last line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("verb", choices=["create"])
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']}")
        raw = ApiToken.generate()
        ApiToken.objects.create(user=user, name=options["name"], key_hash=hash_token(raw), prefix=raw[:8])
        self.stdout.write(f"token for {user.username} ({user.role}); it is shown only once:")
        self.stdout.write(raw)

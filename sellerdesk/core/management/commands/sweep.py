from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sellerdesk.core.periodic import jobs


class Command(BaseCommand):
    help = "Run every periodic job once, as if the time were --at (default now)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--at", help="ISO 8601 time, e.g. 2026-12-01T10:00:00+08:00")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        if options["at"]:
            try:
                now = datetime.fromisoformat(options["at"])
            except ValueError:
                raise CommandError(f"--at: not an ISO 8601 time: {options['at']}") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        self.stdout.write(f"sweep at {now.isoformat()}")
        for job in jobs():
            changed = job.run(now)
            self.stdout.write(f"{job.name}: {changed}")

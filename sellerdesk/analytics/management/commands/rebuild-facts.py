from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sellerdesk.analytics import facts
from sellerdesk.analytics.tasks import refresh_days


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = (
        "Rebuild the dashboards' daily fact rows of the Shanghai days --from to --to (both included; "
        "default: the last REFRESH_DAYS days, as the periodic job does)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first_day", help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last_day", help="last day, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.now().astimezone(facts.SHANGHAI).date()
        last_day = _day(options["last_day"], "--to") if options["last_day"] else today
        first_day = (
            _day(options["first_day"], "--from")
            if options["first_day"]
            else last_day - timedelta(days=refresh_days() - 1)
        )
        if last_day < first_day:
            raise CommandError(f"--to {last_day} is before --from {first_day}")
        done = facts.rebuild_days(first_day=first_day, last_day=last_day)
        self.stdout.write(
            f"rebuilt {first_day} to {last_day}: {done.rows} fact rows ({done.changed} changed), "
            f"{done.reason_rows} reason rows"
        )

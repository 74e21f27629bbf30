"""The demo accounts' passwords, kept in var/ (readable by its owner only) on the machine
that loaded the demo: `sellerdesk demo` prints them once, when it loads them; no start
prints them (issue 17 A5)."""

from __future__ import annotations

from django.conf import settings

PATH = settings.VAR_DIR / "demo-credentials.txt"


def write_credentials(pairs: list[tuple[str, str]]) -> None:
    PATH.write_text("".join(f"{user} {password}\n" for user, password in pairs), encoding="utf-8")
    PATH.chmod(0o600)


def read_credentials() -> list[tuple[str, str]]:
    if not PATH.exists():
        return []
    pairs = []
    for line in PATH.read_text(encoding="utf-8").splitlines():
        user, _, password = line.partition(" ")
        if user and password:
            pairs.append((user, password))
    return pairs

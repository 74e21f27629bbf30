"""The demo accounts' passwords, kept in var/ so that every `make run` can print them."""

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

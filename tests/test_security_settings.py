"""The product's own security settings, which the test run changes for speed."""

from __future__ import annotations

import importlib

from django.conf import global_settings


def test_the_product_hashes_passwords_with_a_slow_salted_hasher() -> None:
    # tests/conftest.py hashes with MD5 to save time; the product must not.
    product = importlib.import_module("sellerdesk.settings")
    hashers = getattr(product, "PASSWORD_HASHERS", global_settings.PASSWORD_HASHERS)
    assert hashers[0] in {
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.ScryptPasswordHasher",
    }
    assert not any("MD5" in hasher or "Unsalted" in hasher for hasher in hashers)

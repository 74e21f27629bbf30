"""pytest plugin: the test run is a `test` start (SELLERDESK_ENV=test), not a production one.

Loaded with `-p tests.support.environment` (pyproject.toml's addopts), so it is imported
while pytest parses the command line, before pytest-django loads `sellerdesk.settings`:
the settings read SELLERDESK_ENV when they are imported (development defaults, the
simulated gateway and carrier on, plain http; docs/deploy.md). The processes a test
starts (`sellerdesk worker`, gunicorn on sellerdesk.asgi) inherit it. Tests of the
production start give their subprocesses an environment of their own
(tests/test_production_start.py).
"""

from __future__ import annotations

import os

os.environ["SELLERDESK_ENV"] = "test"

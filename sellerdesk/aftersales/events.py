"""The case timeline's codes and their renderers (core.messages), one writer each."""

from __future__ import annotations

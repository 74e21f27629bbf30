"""The request log's refused requests on one line each (issue 17 A5).

Django logs a 404 or 403 raised as an exception (Http404, PermissionDenied, a
suspicious Host header) with the exception's traceback: a scanner probing paths fills
the log with tracebacks of nothing wrong, and a path with a newline in it can forge a
line. A refused request (any 4xx) is logged as one line: its message, control
characters escaped, and no traceback. Server errors (5xx) keep theirs.

Imported by the logging configuration (settings.LOGGING) before the apps are ready:
this module imports nothing of the project's.
"""

from __future__ import annotations

import logging

_ESCAPES = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})


class ClientErrorsOnOneLine(logging.Filter):
    """A record of a 4xx answer (Django's request and security loggers put the status
    in `status_code`) loses its traceback and is rendered on one line. Never drops a
    record."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and 400 <= status < 500:
            record.msg = record.getMessage().translate(_ESCAPES)
            record.args = None
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True

"""Log set-up in one place: JSON lines when stderr is not a terminal, plain text when it is.

Called by the CLI commands that run the service (serve, api, ingest, scheduler), never at import.
Every record carries the request id of the request being served, and `device_id` when the
caller passes it in `extra` (the MQTT ingest does).
"""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import IO, Any

from metrology_svc.core.observability import request_id_var

HANDLER_NAME = "metrology"
# Fields a caller may pass in `extra=` that belong in the JSON line.
EXTRA_FIELDS = ("device_id", "method", "route", "status", "ms", "job_id", "channel")


class ContextFilter(logging.Filter):
    """Stamp each record with the current request id (or None)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Add request_id to the record; never drop it."""
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, ids, and the exception."""

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as a JSON line."""
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        rid = getattr(record, "request_id", None)
        if rid is not None:
            line["request_id"] = rid
        for name in EXTRA_FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return _ENCODER.encode(line)


# One encoder for every line: json.dumps with options builds a new one per call.
_ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """Readable lines for a terminal, with the request or device id when there is one."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """Render the record as text, then the ids in brackets."""
        text = super().format(record)
        ids = [
            f"{name}={value}"
            for name in ("request_id", "device_id")
            if (value := getattr(record, name, None)) is not None
        ]
        return f"{text} [{' '.join(ids)}]" if ids else text


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Write to whatever sys.stderr is at the time of each record (it may be replaced)."""

    def emit(self, record: logging.LogRecord) -> None:
        """Write the record to the current stderr."""
        self.stream = sys.stderr
        super().emit(record)


def configure_logging(
    *, level: str = "INFO", json_lines: bool | None = None, stream: IO[str] | None = None
) -> logging.Handler:
    """Send every log record to stderr (JSON unless it is a terminal); return the handler."""
    out = stream if stream is not None else sys.stderr
    as_json = json_lines if json_lines is not None else not _is_tty(out)
    handler = logging.StreamHandler(out) if stream is not None else StderrHandler()
    handler.setFormatter(JsonFormatter() if as_json else PlainFormatter())
    handler.addFilter(ContextFilter())
    handler.set_name(HANDLER_NAME)
    root = logging.getLogger()
    for old in list(root.handlers):
        if old.get_name() == HANDLER_NAME:  # ours from an earlier call; others are left alone
            root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # uvicorn's own loggers go through the root handler (its access log is replaced by ours).
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    return handler


def _is_tty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False

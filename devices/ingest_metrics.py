"""Prometheus metrics of the MQTT ingest (created once, in the default registry)."""

from prometheus_client import Counter, Gauge

RECEIVED = Counter("metrology_ingest_received", "MQTT messages received by the ingest")
STORED = Counter("metrology_ingest_stored", "Readings and self-checks committed")
DUPLICATES = Counter("metrology_ingest_duplicates", "Redelivered messages already stored")
REJECTED = Counter(
    "metrology_ingest_rejected", "Messages set aside in the dead-letter table", ["reason"]
)
LAG = Gauge(
    "metrology_ingest_lag_seconds",
    "Time from receipt of the oldest message of the last batch to its commit",
)
QUEUE = Gauge("metrology_ingest_queue_depth", "Messages received but not yet committed")
RULEBOOK_RELOADS = Counter(
    "metrology_ingest_rulebook_reloads", "Times the ingest read the rulebook again after a load"
)
WRITER_UP = Gauge(
    "metrology_ingest_writer_up", "1 while the ingest's writer thread runs, 0 when it has stopped"
)
WRITER_RESTARTS = Counter(
    "metrology_ingest_writer_restarts", "Times the supervisor started a stopped writer thread"
)
WRITER_ERRORS = Counter(
    "metrology_ingest_writer_errors",
    "Failures the writer caught and survived (batch refused, ack, sweep, rules, store retried)",
    ["stage"],
)
LAST_COMMIT = Gauge(
    "metrology_ingest_last_commit_timestamp_seconds",
    "Unix time of the writer's last commit (its age: time() - this)",
)
BROKER_CONNECTED = Gauge(
    "metrology_ingest_broker_connected", "1 while the ingest is connected to the MQTT broker"
)

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

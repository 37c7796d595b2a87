"""Prometheus metrics of the scheduled jobs (created once, in the default registry)."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import Counter, Histogram

RUNS = Counter("metrology_job_runs", "Scheduled job runs started", ["job"])
FAILURES = Counter("metrology_job_failures", "Scheduled job runs that raised", ["job"])
DURATION = Histogram(
    "metrology_job_duration_seconds",
    "Wall time of a scheduled job run",
    ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 1800.0),
)


@contextmanager
def measured(job: str) -> Iterator[None]:
    """Count a run of the job, time it, and count it as failed if it raises."""
    RUNS.labels(job=job).inc()
    start = time.perf_counter()
    try:
        yield
    except BaseException:
        FAILURES.labels(job=job).inc()
        raise
    finally:
        DURATION.labels(job=job).observe(time.perf_counter() - start)

"""Prometheus metrics of a forwarder process, served on its own ``/metrics`` port.

Each forwarder is one process with its own registry (no multiprocess directory): scrape every
forwarder, and sum. The backlog gauges describe the whole outbox (all partitions this forwarder reads),
so every forwarder reports the same value: take the max, not the sum, over forwarders.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DELIVERY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0)
ATTEMPT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

DELIVERIES = Counter(
    "cuaso_forwarder_deliveries_total",
    "Dossiers acknowledged by their back-office system (outcome duplicate: it already had it).",
    ["system", "outcome"],
)
ATTEMPTS = Counter("cuaso_forwarder_attempts_total", "Delivery attempts by result.", ["result"])
ATTEMPT_SECONDS = Histogram(
    "cuaso_forwarder_attempt_duration_seconds",
    "Duration of one delivery attempt (one HTTP request), by result.",
    ["result"],
    buckets=ATTEMPT_BUCKETS,
)
RETRIES = Counter("cuaso_forwarder_retries_total", "Deliveries scheduled for another attempt.", ["reason"])
DEAD_LETTERS = Counter(
    "cuaso_forwarder_dead_letters_total", "Entries moved to dead-letter streams.", ["reason"]
)
CLAIMED = Counter("cuaso_forwarder_claimed_total", "Pending entries taken over from idle (dead) consumers.")
DELIVERY_SECONDS = Histogram(
    "cuaso_forwarder_delivery_seconds",
    "From submission (outbox append) to the back-office system's acknowledgement.",
    buckets=DELIVERY_BUCKETS,
)
HELD = Gauge("cuaso_forwarder_held_entries", "Entries this forwarder holds: in flight or backing off.")
BACKLOG = Gauge("cuaso_forwarder_backlog_entries", "Outbox entries not yet delivered (waiting or in flight).")
OLDEST_AGE = Gauge("cuaso_forwarder_oldest_entry_age_seconds", "Age of the oldest undelivered outbox entry.")
DEAD_LETTER_ENTRIES = Gauge("cuaso_forwarder_dead_letter_entries", "Entries in the dead-letter streams.")
REDIS_ERRORS = Counter("cuaso_forwarder_redis_errors_total", "Redis calls that failed (retried later).")

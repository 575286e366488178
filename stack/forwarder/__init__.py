"""The forwarder: delivers submitted dossiers from the outbox to their back-office systems (liên thông).

- :mod:`stack.forwarder.main`: the process (``python -m stack.forwarder``), its flags and signals;
- :mod:`stack.forwarder.worker`: the consumer loop (read, deliver with retries, acknowledge or
  dead-letter, claim a dead consumer's entries, heartbeat, lag gauges);
- :mod:`stack.forwarder.delivery`: routing, payload and one HTTP attempt;
- :mod:`stack.forwarder.backoff`: exponential backoff with full jitter;
- :mod:`stack.forwarder.metrics`: its Prometheus metrics.

The outbox itself (streams, consumer group, Lua scripts) is :mod:`stack.data.outbox`; the wire protocol
is :mod:`stack.sims.backoffice_protocol`; the whole design is in docs/linked-processing.md.
"""

"""Simulated outside systems, each its own process.

- :mod:`stack.sims.eid`: the national e-ID provider (OpenID Connect, code flow with PKCE).
- :mod:`stack.sims.population`: the national population database (auto-fill profiles).
- :mod:`stack.sims.payments`: the 19 payment partners (10 banks, 9 intermediaries), signed callbacks.
- :mod:`stack.sims.backoffice`: the 151 back-office systems of ministries and provinces (liên thông).
- :mod:`stack.sims.notify`: the SMS/e-mail gateway (account-lifecycle notices).

Every simulator shares the fault injection of :mod:`stack.sims.faults` (configuration) and
:mod:`stack.sims.middleware` (the ASGI middleware), the ``/_sim/`` control endpoints of
:mod:`stack.sims.control`, and the command line and server of :mod:`stack.sims.serve`;
:func:`stack.sims.launch.simulator_process` starts one as a managed child process.
"""

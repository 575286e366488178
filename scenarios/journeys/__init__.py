"""Locust journeys: what people do on the portal, one ``FastHttpUser`` class per journey of the mix.

* :mod:`.catalogue` — ``browse_catalogue``: anonymous search, read procedures;
* :mod:`.status` — ``track_status``: public dossier status lookup;
* :mod:`.dossier` — ``submit_dossier``: search, e-ID login (:mod:`.login`), auto-fill, create, attach,
  submit;
* :mod:`.payment` — ``pay_fee``: log in, list one's dossiers, pay a fee through a partner;
* :mod:`.feedback` — ``file_feedback``: log in, file feedback on a procedure;
* :mod:`.statistics` — ``read_statistics``: the public statistics pages;
* :mod:`.steps` — the shared helper (named steps, named think times, retries); :mod:`.base` — the user
  class they share; :mod:`.runtime` — per-process state (config, citizens, clock, recorder).

Importing a journey module imports Locust (which monkey-patches with gevent unless
``LOCUST_SKIP_MONKEY_PATCH`` is set); this package's ``__init__`` does not, so the runner can check a
mix with :func:`check_mix` without it.
"""

from __future__ import annotations

from scenarios.mix import JourneyMix

JOURNEY_STEPS: dict[str, tuple[str, ...]] = {
    "browse_catalogue": ("search", "read_procedure"),
    "track_status": ("read_status",),
    "submit_dossier": ("search", "read_procedure", "login", "auto_fill", "create", "attach", "submit"),
    "pay_fee": ("login", "list_dossiers", "pay"),
    "file_feedback": ("login", "write_feedback"),
    "read_statistics": ("read_statistics",),
}
"""The journeys implemented here and the mix steps each one runs (by name)."""


def check_mix(mix: JourneyMix) -> None:
    """Every enabled journey of ``mix`` is implemented and names every step its code runs; a
    ``ValueError`` names the journey or step otherwise (``backoffice_sync`` is machine traffic that the
    stack's back-office simulator sends, not a Locust user)."""
    for journey in mix.enabled():
        steps = JOURNEY_STEPS.get(journey.name)
        if steps is None:
            raise ValueError(
                f"journeys.{journey.name}: enabled, but no Locust journey implements it yet "
                f"(implemented: {', '.join(JOURNEY_STEPS)})"
            )
        names = {step.name for step in journey.steps}
        missing = [step for step in steps if step not in names]
        if missing:
            raise ValueError(
                f"journeys.{journey.name}.steps: missing step {missing[0]!r} that the journey runs"
            )

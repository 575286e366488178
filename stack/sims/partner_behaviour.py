"""What one simulated payment partner does wrong, on purpose: its callback and charging behaviour.

Set per partner while running through ``PUT /_sim/partners/{code}/behaviour`` (keys left out take their
defaults); :meth:`PartnerBehaviour.from_mapping` validates the JSON and names the bad key and value in
:class:`~stack.sims.faults.FaultConfigError`. Every probability is drawn per event from the partner's
own seeded random source, so a run with the same seed and the same request order repeats.

| key | effect |
|---|---|
| ``callback_delay_ms`` | the final notice is sent this long after the charge (the pending notice at once) |
| ``drop_rate`` | share of notices never sent (a lost callback: reconciliation finds ``missing_callback``) |
| ``duplicate_rate`` | share of notices sent twice (a replay: the portal must apply it once) |
| ``reorder_rate`` | share of charges whose final notice goes before the pending notice |
| ``decline_rate`` | share of checkouts that fail (the notice says ``failed``; nothing is charged) |
| ``double_charge_rate`` | share of successful checkouts charged twice (reconciliation: ``duplicate``) |
| ``amount_delta`` | dong added to every charged amount (reconciliation: ``amount_mismatch``) |
| ``pending_notice`` | whether a ``pending`` notice precedes the final one |
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields

from stack.sims.faults import FaultConfigError

DEFAULT_CALLBACK_DELAY_MS = 200.0
"""Assumption: a partner notifies the merchant a fraction of a second after the charge completes."""
MAX_CALLBACK_DELAY_MS = 3_600_000.0
"""At most an hour of delay: longer is a drop, and should be asked for as one."""
RATES = ("drop_rate", "duplicate_rate", "reorder_rate", "decline_rate", "double_charge_rate")


@dataclass(frozen=True, slots=True)
class PartnerBehaviour:
    """One partner's behaviour; validated on construction (see the module docstring)."""

    callback_delay_ms: float = DEFAULT_CALLBACK_DELAY_MS
    drop_rate: float = 0.0
    duplicate_rate: float = 0.0
    reorder_rate: float = 0.0
    decline_rate: float = 0.0
    double_charge_rate: float = 0.0
    amount_delta: int = 0
    pending_notice: bool = True

    def __post_init__(self) -> None:
        delay = _number("callback_delay_ms", self.callback_delay_ms)
        if not 0.0 <= delay <= MAX_CALLBACK_DELAY_MS:
            raise FaultConfigError("callback_delay_ms", self.callback_delay_ms, "must be in [0, 3600000]")
        object.__setattr__(self, "callback_delay_ms", delay)
        for key in RATES:
            rate = _number(key, getattr(self, key))
            if not 0.0 <= rate <= 1.0:
                raise FaultConfigError(key, getattr(self, key), "must be in [0, 1]")
            object.__setattr__(self, key, rate)
        if isinstance(self.amount_delta, bool) or not isinstance(self.amount_delta, int):
            raise FaultConfigError("amount_delta", self.amount_delta, "must be a whole number of dong")
        if not isinstance(self.pending_notice, bool):
            raise FaultConfigError("pending_notice", self.pending_notice, "must be true or false")

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_mapping(cls, data: object) -> PartnerBehaviour:
        """A behaviour from a JSON object; keys it lacks take their defaults, unknown keys are refused."""
        if not isinstance(data, Mapping):
            raise FaultConfigError("body", data, "must be a JSON object")
        known = [f.name for f in fields(cls)]
        for key in data:
            if key not in known:
                raise FaultConfigError(str(key), data[key], f"unknown behaviour setting; known: {known}")
        return cls(**{str(k): v for k, v in data.items()})


def _number(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FaultConfigError(key, value, "must be a finite number")
    return float(value)

"""The drill's Locust shape, shared by both drill locustfiles (cuaso's journeys, a user's own file).

A locustfile subclasses :class:`ListenersShape` with its :class:`~scenarios.drill.listeners.
DrillListeners` (Locust runs the one concrete shape class it finds in the locustfile)::

    class DrillShape(locust_shape.ListenersShape):
        listeners = LISTENERS
"""

from __future__ import annotations

from typing import Any, ClassVar

from scenarios.drill.listeners import DrillListeners
from scenarios.journeys import runtime
from scenarios.shapes import locust_classes
from scenarios.shapes.base import Shape


class ListenersShape(locust_classes.DrillShape):
    """The drill's shape (any scenario, the sweep's staircase included), built once per process from
    the drill's settings; stops the run at the shape's end; hands Locust the user classes the
    listeners chose (cuaso's enabled journeys, the open model's pool, or a user's classes).

    In a fixed-iteration drill the tick is held once the shape's peak is reached: a new tick would make
    Locust start users again in place of those that finished their journeys.
    """

    abstract: ClassVar[bool] = True
    listeners: ClassVar[DrillListeners]
    _held: tuple[int, float, list[Any]] | None = None

    def build_spec(self) -> Shape:
        return runtime.current().shape

    def tick(self) -> tuple[int, float, list[Any]] | None:  # type: ignore[override]
        rt = runtime.current_or_none()
        if rt is None:
            return None
        tick = super().tick()
        if tick is None:
            return None
        if self._held is not None:
            return self._held
        users, spawn_rate = tick
        out = (users, spawn_rate, list(self.listeners.classes))
        if rt.config.iterations and users >= rt.shape.peak_users():
            self._held = out
        return out

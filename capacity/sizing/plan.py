"""Sizing from measured results: how much hardware the planned load needs, and how sure we are.

:func:`size` turns a :class:`~capacity.sizing.inputs.MeasuredProfile` (the level phases of one or more
sweep results documents) and :class:`~capacity.sizing.params.SizingParameters` into a :class:`Sizing`:

* app nodes at the point estimate and at P50/P90 of the USL fit's uncertainty, with cores, RAM, the
  N+k layout per site and the utilization in normal, one-node-down and one-site-down modes
  (:mod:`capacity.sizing.app`);
* Redis shards, bandwidth and storage growth (:mod:`capacity.sizing.data`), the load-generator fleet
  (:mod:`capacity.sizing.fleet`);
* self-validation on held-out levels and the USL/MVA/linear cross-check at the operating point
  (:mod:`capacity.sizing.validation`), and whether the sizing lies inside the range where validation
  held.

Deterministic: the fit has fixed starts and the parameter draws a fixed seed, so the same input gives the
same output. Rendering (JSON, Markdown) is in :mod:`capacity.sizing.render`; plots in :mod:`capacity.plots`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from capacity.exceptions import ModelError, TooFewPointsError
from capacity.sizing.app import (
    Layout,
    ModeUtilization,
    NodeMemory,
    OperatingPoint,
    TargetLoad,
    modes,
    node_memory,
    operating_point,
)
from capacity.sizing.data import Bandwidth, RedisSizing, Storage, bandwidth, redis_sizing, storage
from capacity.sizing.demands import CurvePoint, Demands, curve, demands
from capacity.sizing.estimate import NodeEstimator, Uncertainty
from capacity.sizing.facts import MixFigures, YearlyVolumes
from capacity.sizing.fleet import GeneratorFleet, generator_fleet
from capacity.sizing.inputs import MeasuredProfile
from capacity.sizing.models import MODEL_NAMES, MVACurve, Predictors, build_predictors
from capacity.sizing.params import SizingParameters
from capacity.sizing.scaleout import ScaleOutCheck
from capacity.sizing.validation import CrossCheck, Validation, validate
from capacity.usl import USLModel


@dataclass(frozen=True)
class AppNodes:
    """Base node counts (the load's needs in one place) and the installed layouts built on them."""

    point: int
    p50: int
    p90: int
    layout_p50: Layout
    layout_p90: Layout
    node_capacity_rps: float
    cpu_demand_s: float
    memory: NodeMemory
    uncertainty: Uncertainty | None = None


@dataclass(frozen=True)
class Sizing:
    params: SizingParameters
    profile: MeasuredProfile
    usl: USLModel
    measured_think_time_s: float
    reference_cores: float
    operating: OperatingPoint
    load: TargetLoad
    nodes: AppNodes
    modes: tuple[ModeUtilization, ...]
    redis: RedisSizing
    bandwidth: Bandwidth
    storage: Storage
    generators: GeneratorFleet
    validation: Validation
    cross_check: CrossCheck
    warnings: tuple[str, ...]
    demands: Demands | None = None
    curve: tuple[CurvePoint, ...] = ()
    scale_out: ScaleOutCheck | None = None

    @property
    def within_validated_range(self) -> bool:
        """True when the operating concurrency lies where held-out validation held."""
        top = self.validation.validated_up_to
        return top is not None and self.operating.concurrency <= top * (1 + 1e-9)


def _plan(
    profile: MeasuredProfile, params: SizingParameters, mix: MixFigures, scale_out: ScaleOutCheck | None
) -> tuple[Predictors, OperatingPoint, TargetLoad, float]:
    if abs(profile.percentile - params.slo_percentile) > 1e-9:
        raise ModelError(
            f"slo_percentile: {params.slo_percentile!r} differs from the percentile the profile was read "
            f"at ({profile.percentile!r}); read the results with the SLO's percentile"
        )
    try:
        predictors = build_predictors(profile)
    except TooFewPointsError as exc:
        raise TooFewPointsError(
            f"levels: {len(profile.levels)} points on {len(profile.distinct_levels)} levels "
            f"{list(profile.distinct_levels)} are too few to size from ({exc}); sweep more levels or repeats"
        ) from None
    curve = predictors.usl if params.capacity_model == "usl" else MVACurve(predictors.mva)
    point = operating_point(curve, profile, predictors.think_time_s, params.slo_ms, params.max_extrapolation)
    reference = params.reference_cores or float(profile.reference_cores)
    think = params.think_time_s if params.think_time_s is not None else mix.think_time_per_request_s
    cores = params.node_cores
    core_scale = scale_out.core_scale(cores, reference) if scale_out is not None else cores / reference
    return predictors, point, TargetLoad.build(params, think, point, core_scale), reference


def size(
    profile: MeasuredProfile,
    params: SizingParameters,
    mix: MixFigures | None = None,
    scale_out: ScaleOutCheck | None = None,
) -> Sizing:
    """Size the portal for ``params`` from the measurements in ``profile`` (see the module doc);
    ``scale_out``: the check of the core scaling on several CPU allotments, when it was measured."""
    figures = mix if mix is not None else MixFigures.from_mix()
    volumes = YearlyVolumes.from_facts()
    predictors, point, load, reference = _plan(profile, params, figures, scale_out)
    estimator = NodeEstimator(predictors, profile, point, load, params)
    base, p50, p90 = estimator.counts(load.requests_per_s)
    capacity = point.throughput * load.core_scale
    cpu_demand = sum(profile.demand_s(kind) for kind in profile.app_node_kinds)
    nodes = AppNodes(
        point=base,
        p50=p50,
        p90=p90,
        layout_p50=Layout.build(p50, params),
        layout_p90=Layout.build(p90, params),
        node_capacity_rps=capacity,
        cpu_demand_s=cpu_demand,
        memory=node_memory(profile, params),
        uncertainty=estimator.uncertainty(load.requests_per_s),
    )
    per_model: dict[str, float] = {
        name: predictors.throughput(name, point.concurrency) for name in MODEL_NAMES
    }
    cross = CrossCheck(
        concurrency=point.concurrency,
        throughput=per_model,
        nodes={
            name: max(
                1, math.ceil(load.requests_per_s / (x * load.core_scale * params.max_utilization) - 1e-12)
            )
            for name, x in per_model.items()
        },
    )
    sizing = Sizing(
        params=params,
        profile=profile,
        usl=predictors.usl,
        measured_think_time_s=predictors.think_time_s,
        reference_cores=reference,
        operating=point,
        load=load,
        nodes=nodes,
        modes=modes(nodes.layout_p90, load, capacity, cpu_demand, params),
        redis=redis_sizing(profile, params, load.requests_per_s, volumes, figures),
        bandwidth=bandwidth(profile, params, load.requests_per_s, figures),
        storage=storage(params, volumes, figures),
        generators=generator_fleet(profile, params, load.requests_per_s),
        validation=validate(
            profile,
            tolerance=params.validation_tolerance,
            holdout_share=params.holdout_share,
            model="mva" if params.capacity_model == "mva" else "usl",
        ),
        cross_check=cross,
        warnings=(),
        demands=demands(profile),
        curve=curve(profile, predictors, params.validation_tolerance),
        scale_out=scale_out,
    )
    return replace(sizing, warnings=_warnings(sizing))


def _warnings(s: Sizing) -> tuple[str, ...]:
    notes = [f"sized from a run marked invalid: {reason}" for reason in s.profile.invalid_reasons]
    notes += s.profile.notes
    if s.validation.status == "skipped":
        notes.append(f"not validated: {s.validation.reason}")
    elif s.validation.status == "failed":
        notes.append(f"validation failed: {s.validation.reason}")
    if not s.within_validated_range:
        top = s.validation.validated_up_to
        where = f"validation held up to N={top:g}" if top is not None else "no range was validated"
        notes.append(
            f"beyond the validated range: the operating point N={s.operating.concurrency:.1f} per measured "
            f"node lies outside where held-out prediction held ({where})"
        )
    if s.operating.limited_by in ("measured range", "extrapolation limit"):
        notes.append(
            f"the SLO still held at N={s.operating.concurrency:g} ({s.operating.limited_by}): each node may "
            "carry more than sized; sweep higher levels to find where the SLO binds"
        )
    notes += _scale_out_notes(s)
    if not s.nodes.memory.fits:
        notes.append(
            f"node RAM: {s.nodes.memory.needed_gib:.1f} GiB needed per node, the shape has "
            f"{s.params.node_ram_gib:g} GiB"
        )
    for mode in s.modes:
        if not mode.within_headroom:
            notes.append(
                f"{mode.mode}: nodes would run at {mode.utilization:.0%} of capacity "
                f"(headroom limit {s.params.max_utilization:.0%})"
            )
    if not s.bandwidth.response_bytes_measured:
        notes.append("response bytes were not recorded: bandwidth uses an assumed size per response")
    if s.generators.rps_per_core is None:
        notes.append("generator CPU was not recorded: the fleet is sized by users only")
    return tuple(notes)


def _scale_out_notes(s: Sizing) -> list[str]:
    factor = s.load.core_scale
    check = s.scale_out
    if check is None:
        if abs(factor - 1.0) < 1e-9:
            return []
        return [
            f"core scaling not checked: each node's capacity is the measured {s.reference_cores:g} core(s) "
            f"× {factor:.3g}; measure the stack at 3 or more CPU allotments (cuaso size --scale-out) to "
            "check it"
        ]
    notes = []
    if not check.held:
        notes.append(
            f"scale-out check failed: capacity = slope × (cores − background) fitted below "
            f"{check.largest.cores:g} core(s) predicts it {check.error:+.1%} off (tolerance "
            f"{check.tolerance:.0%})"
        )
    beyond = check.extrapolation(s.params.node_cores)
    if beyond > 1.0 + 1e-9:
        notes.append(
            f"extrapolation: a {s.params.node_cores}-core node lies × {beyond:.3g} beyond the largest CPU "
            f"allotment the scale-out check measured ({check.largest.cores:g} core(s))"
        )
    return notes


@dataclass(frozen=True)
class NodesAtUsers:
    """One point of the nodes-against-target-users curve."""

    target_users: float
    point: int
    p50: int
    p90: int
    installed_p90: int


def nodes_curve(
    profile: MeasuredProfile,
    params: SizingParameters,
    target_users: Sequence[float],
    mix: MixFigures | None = None,
    scale_out: ScaleOutCheck | None = None,
) -> tuple[NodesAtUsers, ...]:
    """Base node counts (point, P50, P90) and installed nodes (P90 layout) for each target."""
    figures = mix if mix is not None else MixFigures.from_mix()
    predictors, point, load, _ = _plan(profile, params, figures, scale_out)
    estimator = NodeEstimator(predictors, profile, point, load, params)
    rows = []
    for users in target_users:
        scaled = replace(params, target_users=float(users))
        rate = scaled.planned_users / (load.think_time_s + point.mean_ms / 1000.0)
        base, p50, p90 = estimator.counts(rate)
        rows.append(NodesAtUsers(float(users), base, p50, p90, Layout.build(p90, scaled).total))
    return tuple(rows)

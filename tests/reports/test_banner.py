"""The banner says what was measured before what was modelled: the drill's verdict speaks for the simulated
scale it ran at, and only a validated sizing speaks for the modelled population."""

from __future__ import annotations

import copy
from typing import Any

from reports.builder import ReportInputs, build_report
from reports.markdown import render_markdown
from reports.sizing import read_sizing
from reports.sizing_basis import sizing_banner
from reports.verdict import default_slos
from tests.reports.synthetic import Knobs, cutover_document


def _report(sizing: dict[str, Any] | None) -> str:
    doc = cutover_document(Knobs())
    return render_markdown(build_report(ReportInputs(doc, "results.json", default_slos(), sizing, None)))


def _banners(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("**")][:2]


def test_measured_first_then_a_validated_sizing_for_the_modelled_users(sizing_path: Any) -> None:
    sizing = read_sizing(sizing_path)
    assert sizing["validation"]["status"] == "held"
    assert sizing["within_validated_range"] is True
    measured, modelled = _banners(_report(sizing))
    assert measured.startswith("**Measured at simulated scale (12 simulated users at peak, ")
    assert "cores): PASS: 2 of 2 SLOs met**" in measured
    assert "120,000" not in measured
    assert modelled.startswith("**Modelled: sizing for 120,000 users: ")
    assert "VALIDATED (held-out error " in modelled
    assert "NOT VALIDATED" not in modelled


def test_an_unvalidated_sizing_never_reads_as_a_pass_for_the_modelled_users(sizing_path: Any) -> None:
    sizing = copy.deepcopy(read_sizing(sizing_path))
    sizing["validation"]["status"] = "failed"
    sizing["within_validated_range"] = False
    text, status = sizing_banner(sizing, 120_000, 1e-4)
    assert status == "inconclusive"
    assert text.startswith("Modelled: sizing for 120,000 users NOT VALIDATED (validation failed, operating ")
    assert "is an indication, not a capacity claim" in text
    md = _report(sizing)
    measured, modelled = _banners(md)
    assert "PASS" in measured
    assert "120,000" not in measured
    assert "PASS" not in modelled
    assert "modelled: 120,000 users (1 : 10,000): see the sizing" in md


def test_without_a_sizing_nothing_is_claimed_for_the_modelled_users() -> None:
    text, status = sizing_banner(None, 120_000, 1 / 600)
    assert status == "inconclusive"
    assert text == (
        "Modelled: this drill stands for 120,000 users at 1 : 600; no sizing was given, so nothing is "
        "claimed for them."
    )
    assert _banners(_report(None))[1] == f"**{text.replace('1 : 600', '1 : 10,000')}**"


def test_the_measured_banner_names_the_cpu_allotments_and_the_sizing_its_scale_out_check(
    sizing_path: Any,
) -> None:
    from results.document import CpuAllotment

    doc = cutover_document(Knobs())
    allotments = (
        CpuAllotment(group="generator", kinds=("locust",), cpus="0", cores=1.0, mechanism="cgroup-v1"),
        CpuAllotment(group="sut", kinds=("app", "redis", "sim-eid"), cpus="1", quota_cores=0.5, cores=0.5,
                     mechanism="cgroup-v1"),
    )  # fmt: skip
    doc = doc.model_copy(update={"run": doc.run.model_copy(update={"allotments": allotments})})
    sizing = copy.deepcopy(read_sizing(sizing_path))
    sizing["scale_out"] = {
        "allotments": [{"cores": 0.25, "capacity_rps": 400.0}, {"cores": 0.5, "capacity_rps": 790.0},
                       {"cores": 1.0, "capacity_rps": 1700.0}],
        "predicted_rps": 1592.0, "error": -0.0635, "held": True, "extrapolation_to_node": 16.0,
    }  # fmt: skip
    md = render_markdown(build_report(ReportInputs(doc, "results.json", default_slos(), sizing, None)))
    measured, modelled = _banners(md)
    assert "; generator (locust) on 1 core(s); sut (app, redis, …) on 0.5 core(s)): PASS" in measured
    assert "(scale-out check: -6.3% error)" in modelled
    assert (
        "- Scale-out check: held: 0.25 core(s) 400 req/s, 0.5 core(s) 790 req/s, 1 core(s) 1,700 req/s;" in md
    )

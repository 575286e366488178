"""Every role's command and environment in the Compose files and the Kubernetes manifests agree with the
code: each command parses with the program's own parser, listens on the code's default port, and gets
every variable stack/launcher.py hands that role; every URL names a service of the deployment on its
port; the Locust master waits for as many workers as are started and allows the hosts load goes to."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from uvicorn.main import main as uvicorn_main

from cuaso.cli import build_parser, verb_parsers
from cuaso.project import Project, apply_defaults
from stack.forwarder.main import DEFAULT_METRICS_PORT
from stack.forwarder.main import build_parser as forwarder_parser
from stack.launcher import LocalStack, StackOptions
from stack.settings import StackSettings
from tests.deploy.files import (
    COMPOSE_FILES,
    DEPLOY,
    K8S_FOLDERS,
    compose_env,
    k8s_roles,
    kustomize_documents,
    load_compose,
)

PORTAL_PORT = StackOptions().port
SETTINGS = {"CUASO_" + name.upper() for name in StackSettings.model_fields}
REDIS_PORT = 6379  # Redis' own default port (the launcher's Redis takes a free one)


def locust_default_master_port() -> int:
    from locust.argument_parser import get_parser

    port = get_parser(default_config_files=[]).get_default("master_port")
    assert isinstance(port, int)
    return port


def launcher_env(tmp_path: Path) -> tuple[set[str], set[str]]:
    """The variable names stack/launcher.py gives the portal and the linked processes (forwarders,
    back-office simulator), from the launcher itself (nothing is started)."""
    stack = LocalStack(StackOptions(port=0, workers=1, data_dir=tmp_path))
    return set(stack.portal_env()), set(stack.linked_env())


# --- the roles of each deployment --------------------------------------------------------------------


class Deployment:
    """One way to run the stack and the generator: its roles (argv, env) and its services' ports."""

    def __init__(self, name: str, roles: dict[str, tuple[list[str], dict[str, str]]], ports: dict[str, int]):
        self.name = name
        self.roles = roles
        self.ports = ports  # service host name -> the port it serves on

    def role(self, predicate_module: str) -> list[tuple[str, list[str], dict[str, str]]]:
        return [
            (name, argv, env)
            for name, (argv, env) in self.roles.items()
            if predicate_module in " ".join(argv[:4])
        ]


def _listen_port(argv: list[str]) -> int | None:
    """The port a command listens on: the Locust master's bind port, a server's --port, a forwarder's
    --metrics-port (a worker listens on none)."""
    flags = ("--master-port",) if "--master-bind-host" in argv else ("--port", "--metrics-port")
    for flag in flags:
        if flag in argv:
            return int(argv[argv.index(flag) + 1])
    return None


def compose_deployment() -> Deployment:
    roles: dict[str, tuple[list[str], dict[str, str]]] = {}
    ports: dict[str, int] = {}
    for path in COMPOSE_FILES:
        for name, service in load_compose(path)["services"].items():
            argv = [str(a) for a in service.get("command", [])]
            if name == "redis":
                ports[name] = REDIS_PORT
                continue
            roles[name] = (argv, compose_env(service))
            port = _listen_port(argv)
            if port is not None:
                ports[name] = port
    return Deployment("compose", roles, ports)


def k8s_deployment() -> Deployment:
    docs = [doc for folder in K8S_FOLDERS for doc in kustomize_documents(folder)]
    roles = {name: (role.argv, role.env) for name, role in k8s_roles(docs).items()}
    roles.pop("redis")
    ports = {d["metadata"]["name"]: d["spec"]["ports"][0]["port"] for d in docs if d["kind"] == "Service"}
    return Deployment("k8s", roles, ports)


DEPLOYMENTS = [compose_deployment(), k8s_deployment()]


@pytest.fixture(params=DEPLOYMENTS, ids=lambda d: d.name)
def deployment(request: pytest.FixtureRequest) -> Deployment:
    d: Deployment = request.param
    return d


def _stack_roles(d: Deployment) -> dict[str, tuple[list[str], dict[str, str]]]:
    return {n: r for n, r in d.roles.items() if r[0][:2] == ["python", "-m"]}


# --- commands ----------------------------------------------------------------------------------------


def test_every_role_of_the_launcher_is_deployed(deployment: Deployment) -> None:
    modules = {argv[2] for argv, _ in _stack_roles(deployment).values()}
    assert modules == {
        "stack.sims.eid", "stack.sims.population", "stack.sims.payments", "stack.sims.notify",
        "stack.sims.backoffice", "uvicorn", "stack.forwarder",
    }  # fmt: skip
    assert len(deployment.role("stack.forwarder")) + int(deployment.name == "k8s") >= 2


def test_simulator_commands_parse_and_listen_on_their_default_ports(deployment: Deployment) -> None:
    for name, argv, _ in deployment.role("stack.sims."):
        module = importlib.import_module(argv[2])
        args = module.build_parser().parse_args(argv[3:])
        assert args.port == module.DEFAULT_PORT, f"{deployment.name} {name}: port {args.port}"
        assert args.host == "0.0.0.0", f"{deployment.name} {name}: must listen beyond loopback"
        assert deployment.ports[name] == module.DEFAULT_PORT


def test_portal_command_parses_as_the_launcher_runs_it(deployment: Deployment) -> None:
    [(name, argv, _)] = deployment.role("uvicorn")
    assert argv[:3] == ["python", "-m", "uvicorn"]
    params = uvicorn_main.make_context("uvicorn", argv[3:]).params
    assert params["app"] == "stack.app.main:create_app"
    assert params["factory"] is True
    assert params["port"] == PORTAL_PORT == deployment.ports[name]
    assert params["host"] == "0.0.0.0"
    assert params["workers"] >= 1


def test_forwarder_commands_parse_with_their_metrics_port(deployment: Deployment) -> None:
    names = set()
    for _, argv, env in deployment.role("stack.forwarder"):
        args = forwarder_parser().parse_args(argv[3:])
        assert args.metrics_port == DEFAULT_METRICS_PORT
        assert args.metrics_host == "0.0.0.0"
        names.add(env["POD_NAME"] if args.name == "$(POD_NAME)" else args.name)
        if args.name == "$(POD_NAME)":  # a StatefulSet: stable pod names are the consumer names
            assert env["POD_NAME"] == "<fieldRef>"
    assert deployment.name == "k8s" or len(names) == len(deployment.role("stack.forwarder"))


# --- environment -------------------------------------------------------------------------------------


def test_roles_get_every_variable_the_launcher_sets(deployment: Deployment, tmp_path: Path) -> None:
    portal_keys, linked_keys = launcher_env(tmp_path)
    [(_, _, portal_env)] = deployment.role("uvicorn")
    assert portal_keys <= set(portal_env), sorted(portal_keys - set(portal_env))
    for name, _, env in [*deployment.role("stack.forwarder"), *deployment.role("stack.sims.backoffice")]:
        assert linked_keys <= set(env), f"{name}: {sorted(linked_keys - set(env))}"


def test_stack_variables_are_settings_the_code_reads(deployment: Deployment) -> None:
    for name, (_, env) in _stack_roles(deployment).items():
        unknown = {k for k in env if k.startswith("CUASO_")} - SETTINGS
        assert not unknown, f"{deployment.name} {name}: not in stack/settings.py: {sorted(unknown)}"
        assert set(env) - SETTINGS <= {"PROMETHEUS_MULTIPROC_DIR", "POD_NAME"}
        # Every value parses as the portal would parse it (types, ranges, choices).
        StackSettings.model_validate({k[len("CUASO_") :].lower(): v for k, v in env.items() if k in SETTINGS})


def _service_of(url: str, d: Deployment) -> tuple[str, int]:
    parts = urlsplit(url)
    assert parts.hostname in d.ports, f"{d.name}: {url} names no service of the deployment"
    return parts.hostname, parts.port or 80


def test_urls_name_services_on_their_ports(deployment: Deployment) -> None:
    for name, (_, env) in _stack_roles(deployment).items():
        for key, url in env.items():
            if key.endswith("_URL"):
                host, port = _service_of(url, deployment)
                assert port == deployment.ports[host], f"{deployment.name} {name} {key}={url}"


def test_eid_issuer_and_redirect_match_the_portal(deployment: Deployment) -> None:
    [(_, argv, _)] = deployment.role("stack.sims.eid")
    [(_, _, portal)] = deployment.role("uvicorn")
    args = importlib.import_module("stack.sims.eid").build_parser().parse_args(argv[3:])
    # The portal checks ID tokens' iss against CUASO_EID_URL, and the e-ID accepts only its redirect_uri.
    assert args.issuer == portal["CUASO_EID_URL"]
    assert args.redirect_uri == [portal["CUASO_PUBLIC_URL"] + "/api/v1/auth/callback"]
    for module in ("stack.sims.payments", "stack.sims.backoffice"):
        [(_, argv, _)] = deployment.role(module)
        portal_url = importlib.import_module(module).build_parser().parse_args(argv[3:]).portal_url
        assert _service_of(portal_url, deployment) == ("portal", PORTAL_PORT)


# --- Locust ------------------------------------------------------------------------------------------


def _master(d: Deployment) -> tuple[str, Any, dict[str, str]]:
    [(name, argv, env)] = [(n, a, e) for n, (a, e) in d.roles.items() if a[:2] == ["cuaso", "drill"]]
    drill = verb_parsers(build_parser())["drill"]
    apply_defaults({"drill": drill}, Project(None, {}), env)  # CUASO_* variables, as cuaso reads them
    return name, drill.parse_args(argv[2:]), env


def _workers(d: Deployment) -> tuple[str, Any]:
    from locust.argument_parser import get_parser

    [(name, argv)] = [(n, a) for n, (a, _) in d.roles.items() if a[:1] == ["locust"]]
    return name, get_parser(default_config_files=[]).parse_args(argv[1:])


def test_master_variables_are_options_of_cuaso_drill(deployment: Deployment) -> None:
    _, _, env = _master(deployment)
    drill = verb_parsers(build_parser())["drill"]
    options = {"CUASO_" + s[2:].replace("-", "_").upper() for a in drill._actions for s in a.option_strings}
    assert {k for k in env if k.startswith("CUASO_")} <= options


def test_master_and_workers_meet_on_locusts_port(deployment: Deployment) -> None:
    master_name, master, _ = _master(deployment)
    worker_name, worker = _workers(deployment)
    assert worker.worker is True
    assert master.master_port == worker.master_port == locust_default_master_port()
    assert master.master_bind_host == "0.0.0.0"
    assert master.workers == 0  # every worker is its own container
    # The workers reach the master by its service name, on the port it listens on.
    assert deployment.ports[worker.master_host] == master.master_port
    assert worker.locustfile == "scenarios/locustfile.py"
    assert master_name != worker_name


def test_master_waits_for_the_workers_started(deployment: Deployment) -> None:
    _, master, _ = _master(deployment)
    if deployment.name == "compose":
        # WORKERS=N docker compose ... up --scale worker=N: the master's count follows WORKERS.
        for count in ("1", "7"):
            data = load_compose(DEPLOY / "compose.locust.yaml", {"WORKERS": count})
            command = [str(a) for a in data["services"]["master"]["command"]]
            assert command[command.index("--remote-workers") + 1] == count
    else:
        [workers] = [
            d for d in kustomize_documents(K8S_FOLDERS[1])
            if d["kind"] == "Deployment" and d["metadata"]["name"] == "locust-worker"
        ]  # fmt: skip
        assert master.remote_workers == workers["spec"]["replicas"]


def test_master_allows_the_target_and_the_hosts_it_redirects_to(deployment: Deployment) -> None:
    _, master, _ = _master(deployment)
    [(_, _, portal)] = deployment.role("uvicorn")
    allowed: Mapping[str, None] = dict.fromkeys(master.allow_host)
    for url in (master.host, portal["CUASO_EID_PUBLIC_URL"], portal["CUASO_PAYMENTS_URL"]):
        assert urlsplit(url).hostname in allowed, f"{deployment.name}: {url} not in {list(allowed)}"
    assert urlsplit(master.host).port == PORTAL_PORT

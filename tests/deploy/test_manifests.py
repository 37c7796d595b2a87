"""The deploy files, parsed: non-root, real commands and settings, probes, shared ingest, broker.

No Docker engine or cluster runs here, so nothing is built or applied; `kubectl kustomize`
(offline) renders the Kubernetes manifests when kubectl is installed.
"""

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer import _click as click
from typer.core import TyperGroup

from devices.broker_auth import BrokerUser, check_accounts
from devices.registry import service_account, service_accounts
from metrology_svc.app import create_app
from metrology_svc.cli.main import app as cli_app
from metrology_svc.settings import Settings
from tests.services import missing

DEPLOY = Path(__file__).parents[2] / "deploy"
K8S = DEPLOY / "k8s"
IMAGE = "metrology-svc"
Doc = dict[str, Any]


def _compose() -> Doc:
    doc: Doc = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return doc


def _k8s_docs() -> list[Doc]:
    docs: list[Doc] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs.extend(d for d in yaml.safe_load_all(path.read_text()) if d)
    return docs


def _our_services() -> dict[str, Doc]:
    return {n: s for n, s in _compose()["services"].items() if IMAGE in s.get("image", "")}


def _workloads() -> Iterator[tuple[str, Doc]]:
    for doc in _k8s_docs():
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield doc["metadata"]["name"], doc["spec"]["template"]["spec"]


def _containers(name: str) -> list[Doc]:
    return [c for n, pod in _workloads() if n == name for c in pod["containers"]]


def _env_file_vars(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)
    return {k.strip(): v for k, v in pairs if not k.lstrip().startswith("#")}


def _compose_env(service: str) -> dict[str, str]:
    """A compose service's environment: its env files' examples in order, then `environment`."""
    spec = _compose()["services"][service]
    env: dict[str, str] = {}
    for name in spec.get("env_file", []):
        env |= _env_file_vars(DEPLOY / f"{name}.example")
    return env | {k: str(v) for k, v in (spec.get("environment") or {}).items()}


def _command_envvars() -> set[str]:
    """The environment variables the options of the commands the deploy files run read."""
    root = typer.main.get_command(cli_app)
    found: set[str] = set()
    for path in _commands():
        command: click.Command | None = root
        for word in path:
            assert isinstance(command, TyperGroup), path
            command = command.get_command(click.Context(command), word)
        assert command is not None, path
        for param in command.params:
            envvar = param.envvar
            found.update([envvar] if isinstance(envvar, str) else envvar or [])
    return found


def _metrology_vars() -> dict[str, list[str]]:
    """Every METROLOGY_* variable the deploy files set, with where it is set."""
    found: dict[str, list[str]] = {}

    def add(name: str, where: str) -> None:
        if name.startswith("METROLOGY_"):
            found.setdefault(name, []).append(where)

    for path in (DEPLOY / "env").glob("*.example"):
        for name in _env_file_vars(path):
            add(name, path.name)
    for service, spec in _compose()["services"].items():
        for name in spec.get("environment") or {}:
            add(name, f"compose {service}")
    for doc in _k8s_docs():
        for name in (doc.get("data") or {}) | (doc.get("stringData") or {}):
            add(name, doc["metadata"]["name"])
    for workload, pod in _workloads():
        for container in pod["containers"]:
            for env in container.get("env", []):
                add(env["name"], workload)
    for line in (DEPLOY / "Dockerfile").read_text().splitlines():
        for name in re.findall(r"\b(METROLOGY_[A-Z_]+)=", line):
            add(name, "Dockerfile")
    return found


def _commands() -> set[tuple[str, ...]]:
    """The CLI command paths the deploy files run (words before the first option or path)."""
    argv: list[list[str]] = [s["command"] for s in _our_services().values()]
    argv += [c["args"] for _, pod in _workloads() for c in pod["containers"]]
    cmd = re.search(r"^CMD \[(.*)\]$", (DEPLOY / "Dockerfile").read_text(), re.M)
    assert cmd is not None
    argv.append([w.strip().strip('"') for w in cmd.group(1).split(",")])
    out = set()
    for words in argv:
        head = []
        for word in words:
            if word.startswith(("-", "/")):
                break
            head.append(word)
        out.add(tuple(head))
    return out


def test_every_metrology_variable_is_a_real_setting() -> None:
    found = _metrology_vars()
    # A setting, or an option's variable of a command the deploy files run (write-broker-auth's
    # METROLOGY_MQTT_SERVICE_URLS).
    known = {f"METROLOGY_{name.upper()}" for name in Settings.model_fields} | _command_envvars()
    unknown = {name: where for name, where in found.items() if name not in known}
    assert not unknown, f"neither Settings fields nor command options: {unknown}"
    assert "METROLOGY_MQTT_SERVICE_URLS" in found
    # The check sees the files: the variables every process needs are there.
    assert {"METROLOGY_DATABASE_URL", "METROLOGY_MQTT_URL", "METROLOGY_MQTT_SHARE_GROUP"} <= set(
        found
    )


def test_every_command_is_a_real_cli_command() -> None:
    commands = _commands()
    assert {("api",), ("ingest",), ("scheduler",), ("db", "upgrade")} <= commands
    exe = Path(sys.executable).with_name("metrology-svc")
    runner = [str(exe)] if exe.exists() else [sys.executable, "-m", "metrology_svc"]
    for command in sorted(commands):
        done = subprocess.run(
            [*runner, *command, "--help"], capture_output=True, text=True, timeout=60, check=False
        )
        assert done.returncode == 0, f"metrology-svc {' '.join(command)}: {done.stderr[-500:]}"
        assert "Usage" in done.stdout


def test_the_image_is_slim_multi_stage_non_root_and_checks_healthz() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM (\S+)", text, re.M)
    assert len(stages) >= 2
    assert all(s == "python:3.11-slim" for s in stages)
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users
    assert users[-1].split(":")[0] not in ("0", "root")
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", text, re.M)
    assert re.search(r'^ENTRYPOINT \["metrology-svc"\]', text, re.M)
    assert re.search(r'^CMD \["api"', text, re.M)


def test_compose_runs_the_roles_apart_with_health_checks_and_env_files() -> None:
    services = _compose()["services"]
    ours = _our_services()
    roles = {name: tuple(spec["command"][:2]) for name, spec in ours.items()}
    assert roles["migrate"] == ("db", "upgrade")
    assert [n for n, r in roles.items() if r[0] == "scheduler"] == ["scheduler-1", "scheduler-2"]
    for name, spec in ours.items():
        assert spec["env_file"][0] == "env/metrology.env", name
        for env_file in spec["env_file"]:
            assert (DEPLOY / f"{env_file}.example").exists(), (name, env_file)
        if name != "migrate":
            assert spec["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("api", "postgres", "mosquitto"):
        assert "disable" not in services[name]["healthcheck"], name
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])
    text = (DEPLOY / "compose.yaml").read_text()
    assert not re.search(r"PASSWORD\s*[:=]\s*\S", text), "secrets belong in the env files"


def _accounts_are_usable(accounts: list[tuple[str, str]]) -> None:
    """The broker files would take these ingest accounts (raises AccountError otherwise)."""
    check_accounts(BrokerUser(name, "", is_service=True) for name, _ in accounts)


def test_compose_ingests_share_one_subscription_each_with_its_own_broker_account() -> None:
    ingest = [n for n, s in _our_services().items() if s["command"][0] == "ingest"]
    assert ingest == ["ingest-1", "ingest-2"]
    envs = {name: _compose_env(name) for name in ingest}
    groups = {env["METROLOGY_MQTT_SHARE_GROUP"] for env in envs.values()}
    assert len(groups) == 1
    assert "" not in groups
    # The broker makes the username the client id: one account per ingest, or they throw each
    # other off. The client id they ask for is that same name.
    accounts = [service_account(env["METROLOGY_MQTT_URL"]) for env in envs.values()]
    names = [a[0] for a in accounts if a is not None]
    assert names == ["ingest-1", "ingest-2"]
    assert [env["METROLOGY_MQTT_CLIENT_ID"] for env in envs.values()] == names
    _accounts_are_usable([a for a in accounts if a is not None])
    # broker-auth writes exactly these accounts, with the very passwords the ingests log in with.
    auth = _compose_env("broker-auth")
    written = service_accounts(
        [auth["METROLOGY_MQTT_URL"], *auth["METROLOGY_MQTT_SERVICE_URLS"].split()]
    )
    assert written == accounts
    # No other process holds a broker password: an account in the shared env file would reach
    # the api too, and write-broker-auth would give it the ingests' rights.
    for name in set(_our_services()) - {*ingest, "broker-auth"}:
        env = _compose_env(name)
        assert service_account(env.get("METROLOGY_MQTT_URL", "")) is None, name
        assert "METROLOGY_MQTT_SERVICE_URLS" not in env, name


def _kubelet_env(env: list[Doc], given: dict[str, str]) -> dict[str, str]:
    """A container's `env` as the kubelet resolves it: `$(VAR)` only from entries above it.

    `given` stands in for the `valueFrom` sources (the pod name, a Secret key).
    """
    resolved: dict[str, str] = {}
    for entry in env:
        if "value" in entry:
            value = re.sub(r"\$\((\w+)\)", lambda m: resolved.get(m[1], m[0]), str(entry["value"]))
        else:
            value = given[entry["name"]]
        resolved[entry["name"]] = value
    return resolved


def test_kubernetes_ingest_replicas_each_log_in_as_their_pod_name() -> None:
    config = next(d for d in _k8s_docs() if d["kind"] == "ConfigMap")
    assert config["data"]["METROLOGY_MQTT_SHARE_GROUP"]
    workloads = {d["metadata"]["name"]: d for d in _k8s_docs() if d["kind"] != "Service"}
    ingest = workloads["metrology-ingest"]
    assert ingest["kind"] == "StatefulSet"  # stable pod names: the same account after a restart
    replicas = ingest["spec"]["replicas"]
    assert replicas >= 2
    (container,) = _containers("metrology-ingest")
    env = {e["name"]: e for e in container["env"]}
    assert env["METROLOGY_MQTT_CLIENT_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    password = env["MQTT_INGEST_PASSWORD"]["valueFrom"]["secretKeyRef"]
    # The password's Secret exists, and is not the one every pod reads through envFrom.
    secrets = {d["metadata"]["name"]: d for d in _k8s_docs() if d["kind"] == "Secret"}
    assert password["key"] in secrets[password["name"]]["stringData"]
    assert password["name"] != "metrology-secrets"
    accounts = []
    for i in range(replicas):
        pod = f"metrology-ingest-{i}"
        given = {"METROLOGY_MQTT_CLIENT_ID": pod, "MQTT_INGEST_PASSWORD": "pw"}
        account = service_account(_kubelet_env(container["env"], given)["METROLOGY_MQTT_URL"])
        assert account == (pod, "pw")
        accounts.append(account)
    _accounts_are_usable(accounts)  # distinct, and the pod names are valid service accounts
    # The other pods get no broker password: the shared URL carries no account.
    shared = secrets["metrology-secrets"]["stringData"] | config["data"]
    assert service_account(shared.get("METROLOGY_MQTT_URL", "")) is None


def test_kubernetes_workloads_are_non_root_with_requests_and_probes() -> None:
    workloads = dict(_workloads())
    assert {"metrology-api", "metrology-ingest", "metrology-scheduler", "metrology-migrate"} <= set(
        workloads
    )
    for name, pod in workloads.items():
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["runAsUser"] != 0, name
        for container in pod["containers"]:
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert container["resources"]["requests"]["cpu"], name
            assert container["resources"]["requests"]["memory"], name
            refs = {next(iter(r.values()))["name"] for r in container["envFrom"]}
            assert refs == {"metrology-config", "metrology-secrets"}, name
    (api,) = _containers("metrology-api")
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    scheduler = next(d for d in _k8s_docs() if d["metadata"]["name"] == "metrology-scheduler")
    assert scheduler["kind"] == "Deployment"
    assert scheduler["spec"]["replicas"] == 2
    kinds = {d["kind"] for d in _k8s_docs()}
    assert {"Secret", "ConfigMap", "Service", "Job"} <= kinds


def test_the_probed_paths_exist_in_the_app(tmp_path: Path) -> None:
    app = create_app(settings=Settings(data_dir=tmp_path, stamp_key_dir=tmp_path / "keys"))
    paths = set(app.openapi()["paths"])
    assert {"/healthz", "/readyz", "/metrics"} <= paths


@pytest.mark.parametrize("name", ["mosquitto.conf", "mosquitto-tls.conf"])
def test_the_broker_configs_refuse_anonymous_and_never_drop_queued_messages(name: str) -> None:
    lines = (DEPLOY / "mosquitto" / name).read_text().splitlines()
    assert "allow_anonymous false" in lines
    assert "max_queued_messages 0" in lines
    assert any(line.startswith("password_file ") for line in lines)
    assert any(line.startswith("acl_file ") for line in lines)


def test_the_tls_config_differs_from_the_plain_one_only_by_its_listeners() -> None:
    def settings_of(name: str) -> set[str]:
        lines = (DEPLOY / "mosquitto" / name).read_text().splitlines()
        tls = ("listener", "certfile", "keyfile", "cafile", "tls_version")
        return {x for x in lines if x and not x.startswith(("#", *tls))}

    assert settings_of("mosquitto.conf") == settings_of("mosquitto-tls.conf")
    text = (DEPLOY / "mosquitto" / "mosquitto-tls.conf").read_text()
    assert re.search(
        r"^listener 8883\ncertfile \S+\nkeyfile \S+\ntls_version tlsv1\.2$", text, re.M
    )
    mounted = _compose()["services"]["mosquitto"]["volumes"]
    assert "./mosquitto/mosquitto-tls.conf:/mosquitto/config/mosquitto.conf:ro" in mounted


def test_kubectl_kustomize_renders_the_manifests_offline() -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        missing("kubectl is not installed")
        return
    done = subprocess.run(
        [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    docs = [d for d in yaml.safe_load_all(done.stdout) if d]
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert ("StatefulSet", "metrology-ingest") in names
    assert ("Job", "metrology-migrate") in names
    assert all(d["metadata"].get("namespace", "metrology") == "metrology" for d in docs)

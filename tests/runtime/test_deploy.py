"""The deployment files hold together: compose (Kafka KRaft, PostgreSQL, topics, four services with health
checks) and the Kubernetes manifests (2+ replicas, probes, config). No Docker engine here: YAML structure,
plus `docker compose config` when a compose CLI is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from loanflow.runtime import PORTS, WORKBENCH
from shared.config import DEFAULT_PORTS, SERVICES, PlatformSettings

ROOT = Path(__file__).resolve().parents[2]
TOPIC_OWNERS = ("origination", "servicing", "collections", "reporting")


def _compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _k8s_documents() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted((ROOT / "deploy" / "k8s").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return docs


def _known_variables() -> set[str]:
    """Every LOANFLOW_* variable a Settings class reads (platform, each service, the workbench)."""
    import importlib

    from shared.config import ServiceSettings

    names = {f"LOANFLOW_{f.upper()}" for f in PlatformSettings.model_fields}
    for service in SERVICES:
        config = importlib.import_module(f"services.{service}.config")
        for value in vars(config).values():
            if isinstance(value, type) and issubclass(value, ServiceSettings) and value is not ServiceSettings:
                prefix = value.model_config.get("env_prefix", "")
                names |= {f"{prefix}{f}".upper() for f in value.model_fields}
    from services.workbench.config import WorkbenchSettings

    prefix = WorkbenchSettings.model_config.get("env_prefix", "")
    return names | {f"{prefix}{f}".upper() for f in WorkbenchSettings.model_fields}


def test_compose_runs_kafka_in_kraft_mode_without_zookeeper():
    services = _compose()["services"]
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    assert "broker" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    assert "controller" in kafka["environment"]["KAFKA_PROCESS_ROLES"]
    assert "zookeeper" not in services
    assert "healthcheck" in kafka
    assert services["postgres"]["image"].startswith("postgres:")
    assert "pg_isready" in str(services["postgres"]["healthcheck"]["test"])


def test_compose_creates_every_topic_and_its_dead_letter_topic_with_partitions_and_retention():
    init = _compose()["services"]["topic-init"]
    script = "\n".join(init["command"]) if isinstance(init["command"], list) else init["command"]
    assert "--create" in script and "--partitions" in script and "retention.ms" in script
    assert all(owner in script for owner in TOPIC_OWNERS)
    assert ".dlq" in script
    assert init["depends_on"]["kafka"]["condition"] == "service_healthy"


@pytest.mark.parametrize("service", SERVICES)
def test_compose_runs_each_service_from_one_image_with_a_readiness_health_check(service: str):
    compose = _compose()["services"]
    spec = compose[service]
    images = {compose[s]["image"] for s in SERVICES}
    assert images == {"loanflow:latest"}
    assert spec["build"]["dockerfile"] == "deploy/Dockerfile"
    assert spec["command"] == ["serve", service]
    port = DEFAULT_PORTS[service]
    assert f"127.0.0.1:{port}/readyz" in " ".join(spec["healthcheck"]["test"])
    assert spec["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert spec["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert spec["depends_on"]["topic-init"]["condition"] == "service_completed_successfully"
    env = spec["environment"]
    assert env["LOANFLOW_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert "@postgres:5432/" in env["LOANFLOW_DATABASE_URL"]
    assert env["LOANFLOW_ENV"] == "production" and env["LOANFLOW_MIGRATE_ON_START"] == "true"
    assert "LOANFLOW_JWT_SECRET" in env and "LOANFLOW_SECRETS_KEY" in env
    assert str(env[f"LOANFLOW_{service.upper()}_PORT"]) == str(port)


def test_every_variable_the_deployment_sets_is_one_the_settings_read():
    known = _known_variables()
    compose = _compose()["services"]
    used = {k for s in SERVICES for k in compose[s]["environment"]}
    for doc in _k8s_documents():
        if doc["kind"] in ("ConfigMap", "Secret"):
            used |= set(doc.get("data") or {}) | set(doc.get("stringData") or {})
    unknown = sorted(v for v in used if v.startswith("LOANFLOW_") and v not in known)
    assert unknown == []


def _service_urls() -> dict[str, set[str]]:
    """Per service: the variables naming another service's URL its settings read (data keys, identities, exports)."""
    import importlib

    from shared.config import ServiceSettings

    urls: dict[str, set[str]] = {}
    for service in SERVICES:
        config = importlib.import_module(f"services.{service}.config")
        for value in vars(config).values():
            if isinstance(value, type) and issubclass(value, ServiceSettings) and value is not ServiceSettings:
                prefix = value.model_config.get("env_prefix", "")
                urls.setdefault(service, set()).update(
                    f"{prefix}{f}".upper() for f in value.model_fields if f.removesuffix("_url") in SERVICES)
    return urls


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_is_told_where_the_services_it_calls_are(service: str):
    """A service that calls another (collections and reporting fetch data keys from origination, servicing asks it
    for a bureau record's identity) defaults to 127.0.0.1, which in a container is itself: both deployments say."""
    wanted = _service_urls().get(service, set())
    compose = set(_compose()["services"][service]["environment"])
    k8s: set[str] = set()
    for doc in _k8s_documents():
        if doc["kind"] == "ConfigMap":
            k8s |= set(doc.get("data") or {})
        if doc["kind"] == "Deployment" and doc["metadata"]["name"] == service:
            k8s |= {e["name"] for c in doc["spec"]["template"]["spec"]["containers"] for e in c.get("env", [])}
    assert sorted(wanted - compose) == [], f"docker-compose.yml: {service} is not told {sorted(wanted - compose)}"
    assert sorted(wanted - k8s) == [], f"deploy/k8s: {service} is not told {sorted(wanted - k8s)}"


def test_kubernetes_runs_two_replicas_of_each_service_with_probes():
    docs = _k8s_documents()
    deployments = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Deployment"}
    services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
    configs = {(d["kind"], d["metadata"]["name"]) for d in docs if d["kind"] in ("ConfigMap", "Secret")}
    assert sorted(deployments) == sorted((*SERVICES, WORKBENCH))
    for name, deployment in deployments.items():
        assert deployment["spec"]["replicas"] >= 2
        pod = deployment["spec"]["template"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
        (container,) = pod["spec"]["containers"]
        assert container["args"] == ["serve", name]
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert container["ports"][0]["containerPort"] == PORTS[name]
        refs = {("ConfigMap", r["configMapRef"]["name"]) if "configMapRef" in r else ("Secret", r["secretRef"]["name"])
                for r in container["envFrom"]}
        assert refs <= configs
        assert services[name]["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
        assert services[name]["spec"]["ports"][0]["port"] == PORTS[name]
    budgets = {d["metadata"]["name"]: d for d in docs if d["kind"] == "PodDisruptionBudget"}
    for name, deployment in deployments.items():
        assert budgets[name]["spec"]["selector"] == deployment["spec"]["selector"]
        assert budgets[name]["spec"]["minAvailable"] < deployment["spec"]["replicas"]


def test_kustomization_lists_every_manifest():
    k8s = ROOT / "deploy" / "k8s"
    kustomization = yaml.safe_load((k8s / "kustomization.yaml").read_text())
    manifests = {p.name for p in k8s.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == manifests


def test_the_image_runs_the_loanflow_command():
    dockerfile = (ROOT / "deploy" / "Dockerfile").read_text()
    assert 'ENTRYPOINT ["loanflow"]' in dockerfile
    assert "USER loanflow" in dockerfile


def _compose_cli() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_docker_compose_config_accepts_the_file():
    cli = _compose_cli()
    if cli is None:
        pytest.skip("no docker compose CLI on this machine (the YAML structure tests above still check the file)")
    done = subprocess.run([*cli, "-f", str(ROOT / "docker-compose.yml"), "config", "--quiet"], cwd=ROOT,
                          capture_output=True, text=True, env={"LOANFLOW_JWT_SECRET": "x", "LOANFLOW_SECRETS_KEY": "y",
                                                             "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr

"""deploy/k8s/: valid for a pinned Kubernetes, safe by default, and smoke-run with podman.

No cluster is reachable here. kubernetes-validate checks every manifest against that
version's schemas, strictly (an unknown field fails); the rules below check what a schema
cannot; `podman kube play` runs the API and Redis from the same manifests.
"""

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import containers
from conftest import free_port

K8S = Path(__file__).resolve().parent.parent / "deploy" / "k8s"
INIT_ROLES = K8S.parent / "postgres" / "init-roles.sh"
DATA_DIR = "/var/lib/article-facts/data"
MANIFESTS = sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")
# The oldest Kubernetes these manifests are checked against.
KUBERNETES_VERSION = "1.33.0"
KUBERNETES_VALIDATE = Path(sys.executable).parent / "kubernetes-validate"


def documents():
    """Every object of every manifest, by (kind, name)."""
    objects = {}
    for path in MANIFESTS:
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            objects[document["kind"], document["metadata"]["name"]] = document
    return objects


def validate(*paths):
    """Run kubernetes-validate --strict against the pinned version."""
    return subprocess.run(
        [str(KUBERNETES_VALIDATE), "--strict", "--quiet", "-k", KUBERNETES_VERSION]
        + [str(path) for path in paths],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def api_container():
    """The API's container spec."""
    pod = documents()["Deployment", "article-facts-api"]["spec"]["template"]["spec"]
    [container] = pod["containers"]
    return pod, container


def test_every_manifest_is_valid_kubernetes_strictly():
    result = validate(*MANIFESTS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_strict_validation_refuses_an_unknown_field(tmp_path):
    misspelt = tmp_path / "api.yaml"
    text = (K8S / "api.yaml").read_text(encoding="utf-8")
    misspelt.write_text(text.replace("readinessProbe:", "readinesProbe:"), encoding="utf-8")
    assert validate(misspelt).returncode != 0


def test_the_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert sorted(kustomization["resources"]) == [path.name for path in MANIFESTS]


def test_workers_match_the_cpu_limit_and_the_grace_period_covers_a_request():
    settings = documents()["ConfigMap", "article-facts-api"]["data"]
    pod, container = api_container()
    # gunicorn.conf.py's rule, cores + 1, with the cores the container is given.
    assert int(settings["WEB_CONCURRENCY"]) == int(container["resources"]["limits"]["cpu"]) + 1
    pause = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert pod["terminationGracePeriodSeconds"] > int(settings["GUNICORN_TIMEOUT"]) + pause


def test_probes_and_privileges():
    pod, container = api_container()
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for name, document in documents().items():
        if name[0] not in ("Deployment", "StatefulSet", "Job"):
            continue
        spec = document["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        for each in spec["containers"]:
            assert each["securityContext"]["readOnlyRootFilesystem"] is True, name
            assert each["securityContext"]["allowPrivilegeEscalation"] is False, name
            assert {"requests", "limits"} <= set(each["resources"]), name
    # The image's user, numeric so the kubelet can check it is not root.
    assert pod["securityContext"]["runAsUser"] == 10001
    mounts = {mount["mountPath"] for mount in container["volumeMounts"]}
    settings = documents()["ConfigMap", "article-facts-api"]["data"]
    assert settings["PROMETHEUS_MULTIPROC_DIR"] in mounts


def database_urls(container):
    """The Secret keys a container's ARTICLE_FACTS_DATABASE_URL comes from."""
    return [
        variable["valueFrom"]["secretKeyRef"]
        for variable in container.get("env", [])
        if variable["name"] == "ARTICLE_FACTS_DATABASE_URL"
    ]


def test_replicas_read_and_jobs_write_the_database_the_secret_names():
    objects = documents()
    secret = objects["Secret", "article-facts-database"]["stringData"]
    service = objects["Service", "article-facts-postgres"]["metadata"]["name"]
    for role in ("writer", "reader"):
        url = secret[f"{role}-url"]
        assert url.startswith(f"postgresql://article_facts_{role}:"), url
        assert f"@{service}:5432/article_facts" in url
        # A placeholder, the same one the role is made with, never a real password.
        assert f":{secret[f'{role}-password']}@" in url
    assert all(value.startswith("CHANGE-ME") for key, value in secret.items() if "password" in key)
    _, container = api_container()
    assert database_urls(container) == [{"name": "article-facts-database", "key": "reader-url"}]
    for step in ("migrate", "ingest"):
        job = objects["Job", f"article-facts-{step}"]["spec"]["template"]["spec"]
        [step_container] = job["containers"]
        assert step_container["command"] == ["article-facts", step]
        assert step_container["image"] == container["image"]
        assert database_urls(step_container) == [
            {"name": "article-facts-database", "key": "writer-url"}
        ]


def test_postgres_keeps_its_data_and_has_connections_for_every_worker():
    objects = documents()
    statefulset = objects["StatefulSet", "article-facts-postgres"]["spec"]
    [claim] = statefulset["volumeClaimTemplates"]
    [postgres] = statefulset["template"]["spec"]["containers"]
    mounts = {mount["name"]: mount["mountPath"] for mount in postgres["volumeMounts"]}
    assert mounts[claim["metadata"]["name"]] == "/var/lib/postgresql/data"
    assert (
        statefulset["serviceName"]
        == objects["Service", "article-facts-postgres"]["metadata"]["name"]
    )
    # Every worker of the most replicas the autoscaler makes, at its pool's bound (2 + 3).
    workers = int(objects["ConfigMap", "article-facts-api"]["data"]["WEB_CONCURRENCY"])
    replicas = objects["HorizontalPodAutoscaler", "article-facts-api"]["spec"]["maxReplicas"]
    [setting] = [arg for arg in postgres["args"] if arg.startswith("max_connections=")]
    assert int(setting.split("=")[1]) > replicas * workers * 5


def test_postgres_makes_the_same_roles_as_compose():
    init = documents()["ConfigMap", "article-facts-postgres-init"]["data"]
    assert init == {"init-roles.sh": INIT_ROLES.read_text(encoding="utf-8")}


def test_the_limit_is_counted_in_redis():
    settings = documents()["ConfigMap", "article-facts-api"]["data"]
    secret = documents()["Secret", "article-facts-redis"]["stringData"]
    assert settings["ARTICLE_FACTS_RATE_LIMIT"]
    assert secret["ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI"].startswith("redis://")


def test_the_ingress_routes_every_public_path_and_no_probe_or_metrics(app):
    rules = documents()["Ingress", "article-facts"]["spec"]["rules"]
    routes = [(path["path"], path["pathType"]) for rule in rules for path in rule["http"]["paths"]]

    def routed(url):
        return any(
            url == prefix
            if kind == "Exact"
            else url == prefix or url.startswith(prefix.rstrip("/") + "/")
            for prefix, kind in routes
        )

    internal = {"/healthz", "/readyz", "/metrics"}
    for rule in app.url_map.iter_rules():
        # A URL of each route: every variable part filled with a sample segment.
        url = re.sub(r"<[^>]+>", "sample", rule.rule)
        assert routed(url) is (rule.rule not in internal), rule.rule
    for path in internal:
        assert not routed(path), path


@pytest.mark.system
@pytest.mark.containers
def test_podman_kube_play_runs_the_api_with_redis(tmp_path):
    """The Deployments, ConfigMap and Secret of deploy/k8s/, one replica each, on loopback.

    podman 4.3's kube play has limits, worked around here: it publishes a containerPort on
    every interface unless a hostIP and hostPort are given; replicas publishing one hostPort
    collide (so one replica); it has no Service, so the API reaches Redis by its pod's name;
    it reads a Secret only from its own store, as JSON of base64 values; and it runs neither a
    StatefulSet nor a Job, so the API runs on SQLite instead of PostgreSQL: its database URL
    is taken out and an emptyDir is its data folder, which it migrates and fills at start.
    """
    containers.require(containers.API_IMAGE, containers.REDIS_IMAGE)
    suffix = containers.unique_name("kube")
    objects = documents()
    redis = objects["Deployment", "article-facts-redis"]
    api = objects["Deployment", "article-facts-api"]
    config = objects["ConfigMap", "article-facts-api"]
    secret = objects["Secret", "article-facts-redis"]
    names = {
        "redis": f"article-facts-redis-{suffix}",
        "api": f"article-facts-api-{suffix}",
        "config": f"article-facts-api-{suffix}",
        "secret": f"article-facts-redis-{suffix}",
        "network": f"article-facts-{suffix}",
    }
    api_port, redis_port = free_port(), free_port()
    for deployment, image, port in (
        (redis, containers.REDIS_IMAGE, redis_port),
        (api, containers.API_IMAGE, api_port),
    ):
        deployment["spec"]["replicas"] = 1
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        container["image"] = image
        container["ports"][0].update(hostIP="127.0.0.1", hostPort=port)
    redis["metadata"]["name"] = names["redis"]
    api["metadata"]["name"] = names["api"]
    config["metadata"]["name"] = names["config"]
    [api_container_spec] = api["spec"]["template"]["spec"]["containers"]
    assert database_urls(api_container_spec)
    api_container_spec["env"] = [
        variable
        for variable in api_container_spec["env"]
        if variable["name"] != "ARTICLE_FACTS_DATABASE_URL"
    ]
    api_container_spec["volumeMounts"].append({"name": "data", "mountPath": DATA_DIR})
    api["spec"]["template"]["spec"]["volumes"].append({"name": "data", "emptyDir": {}})
    api_container_spec["envFrom"] = [
        {"configMapRef": {"name": names["config"]}},
        {"secretRef": {"name": names["secret"]}},
    ]
    redis_url = f"redis://{names['redis']}-pod-0:6379/0"
    assert secret["stringData"]["ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI"].startswith("redis://")
    play = tmp_path / "play.yaml"
    play.write_text(yaml.safe_dump_all([config, redis, api]), encoding="utf-8")
    stored_secret = json.dumps(
        {"ARTICLE_FACTS_RATE_LIMIT_STORAGE_URI": base64.b64encode(redis_url.encode()).decode()}
    )
    (tmp_path / "secret.json").write_text(stored_secret, encoding="utf-8")

    pods = [f"{names['redis']}-pod-0", f"{names['api']}-pod-0"]
    containers.run("secret", "create", names["secret"], str(tmp_path / "secret.json"))
    containers.run("network", "create", names["network"])
    try:
        containers.run("kube", "play", "--network", names["network"], str(play))
        api_name = f"{names['api']}-pod-0-api"
        redis_name = f"{names['redis']}-pod-0-redis"
        url = f"http://127.0.0.1:{api_port}"
        containers.wait_for_http(f"{url}/readyz", describe=lambda: containers.logs(api_name))
        containers.wait_for_http(f"{url}/v1/articles")
        # The ConfigMap and the Secret reached the app: its limit is counted in that Redis.
        assert containers.run("exec", redis_name, "redis-cli", "DBSIZE").stdout.strip() != "0"
        # The pod's security context holds.
        assert containers.run("exec", api_name, "id", "-u").stdout.strip() == "10001"
        assert containers.run("exec", api_name, "touch", "/app/x", check=False).returncode != 0
        # The SQLite store is in the emptyDir, the image's data folder.
        containers.run("exec", api_name, "test", "-s", f"{DATA_DIR}/article-facts.sqlite3")
    finally:
        containers.run("pod", "rm", "--force", *pods, check=False)
        containers.run("secret", "rm", names["secret"], check=False)
        containers.run("network", "rm", names["network"], check=False)

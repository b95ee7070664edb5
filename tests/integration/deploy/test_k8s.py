"""deploy/k8s renders and holds together: each kustomize overlay is rendered with kubectl,
every object validated strictly against the Kubernetes 1.31 schemas (kubernetes-validate,
offline), and every name a pod, Service, HPA, PDB, Ingress or NetworkPolicy refers to exists
in the same overlay with matching labels."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir() if p.is_dir())
KUBERNETES = "1.31.0"
WORKLOADS = ("Deployment", "StatefulSet", "Job")


def render(path: Path) -> list[dict]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl (with kustomize) is needed to render deploy/k8s"
    out = subprocess.run([kubectl, "kustomize", str(path)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    return [doc for doc in yaml.safe_load_all(out.stdout) if doc]


def invalid(objects: list[dict]) -> list[str]:
    problems = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as exc:
            problems.append(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message}")
    return problems


def matches(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def by_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def pod_templates(objects: list[dict]) -> dict[str, dict]:
    return {o["metadata"]["name"]: o["spec"]["template"] for o in objects
            if o["kind"] in WORKLOADS}


def dangling(objects: list[dict]) -> list[str]:
    """Every reference that points at nothing in these objects."""
    problems = []
    configmaps, secrets = by_kind(objects, "ConfigMap"), by_kind(objects, "Secret")
    services = by_kind(objects, "Service")
    templates = pod_templates(objects)
    for name, template in templates.items():
        spec = template["spec"]
        claims = set()
        owner = next(o for o in objects if o["metadata"]["name"] == name
                     and o["kind"] in WORKLOADS)
        if owner["kind"] == "StatefulSet":
            claims = {t["metadata"]["name"] for t in owner["spec"].get("volumeClaimTemplates", [])}
            if owner["spec"]["serviceName"] not in services:
                problems.append(f"{name}: governing Service {owner['spec']['serviceName']}")
        if owner["kind"] != "Job" and not matches(owner["spec"]["selector"]["matchLabels"],
                                                  template["metadata"]["labels"]):
            problems.append(f"{name}: selector does not match its pod labels")
        volumes = {v["name"]: v for v in spec.get("volumes", [])}
        for container in spec.get("initContainers", []) + spec["containers"]:
            for source in container.get("envFrom", []):
                if "configMapRef" in source and source["configMapRef"]["name"] not in configmaps:
                    problems.append(f"{name}: ConfigMap {source['configMapRef']['name']}")
                if "secretRef" in source and source["secretRef"]["name"] not in secrets:
                    problems.append(f"{name}: Secret {source['secretRef']['name']}")
            ports = {p["name"] for p in container.get("ports", [])}
            for probe in ("readinessProbe", "livenessProbe"):
                port = container.get(probe, {}).get("httpGet", {}).get("port")
                if isinstance(port, str) and port not in ports:
                    problems.append(f"{name}: {probe} port {port}")
            for mount in container.get("volumeMounts", []):
                if mount["name"] not in volumes and mount["name"] not in claims:
                    problems.append(f"{name}: volume {mount['name']}")
        for volume in volumes.values():
            if "configMap" in volume and volume["configMap"]["name"] not in configmaps:
                problems.append(f"{name}: ConfigMap volume {volume['configMap']['name']}")
            if "secret" in volume and volume["secret"]["secretName"] not in secrets:
                problems.append(f"{name}: Secret volume {volume['secret']['secretName']}")
    pods = list(templates.values())
    for name, service in services.items():
        chosen = [t for t in pods if matches(service["spec"]["selector"],
                                             t["metadata"]["labels"])]
        pod_name = service["spec"]["selector"].get("statefulset.kubernetes.io/pod-name")
        if pod_name:  # one StatefulSet pod: the base labels plus its ordinal
            base = {k: v for k, v in service["spec"]["selector"].items()
                    if k != "statefulset.kubernetes.io/pod-name"}
            sets = by_kind(objects, "StatefulSet")
            owner, _, ordinal = pod_name.rpartition("-")
            chosen = [t for t in pods if matches(base, t["metadata"]["labels"])]
            if owner not in sets or int(ordinal) >= sets[owner]["spec"].get("replicas", 1):
                problems.append(f"Service {name}: pod {pod_name} does not exist")
        if not chosen:
            problems.append(f"Service {name}: selects no pods")
        for port in service["spec"]["ports"]:
            target = port.get("targetPort")
            if isinstance(target, str) and not any(
                    target in {p["name"] for c in t["spec"]["containers"]
                               for p in c.get("ports", [])} for t in chosen):
                problems.append(f"Service {name}: targetPort {target}")
    for kind in ("PodDisruptionBudget", "NetworkPolicy"):
        for name, obj in by_kind(objects, kind).items():
            selector = (obj["spec"]["selector"] if kind == "PodDisruptionBudget"
                        else obj["spec"]["podSelector"]).get("matchLabels", {})
            if selector and not any(matches(selector, t["metadata"]["labels"]) for t in pods):
                problems.append(f"{kind} {name}: selects no pods")
    for name, hpa in by_kind(objects, "HorizontalPodAutoscaler").items():
        target = hpa["spec"]["scaleTargetRef"]
        if target["name"] not in by_kind(objects, target["kind"]):
            problems.append(f"HPA {name}: {target['kind']} {target['name']}")
    for name, ingress in by_kind(objects, "Ingress").items():
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service = services.get(backend["name"])
                if service is None or backend["port"].get("name") not in {
                        p["name"] for p in service["spec"]["ports"]}:
                    problems.append(f"Ingress {name}: Service {backend['name']}")
    namespaces = {o.get("metadata", {}).get("namespace") for o in objects
                  if o["kind"] != "Namespace"}
    if namespaces != {"argus"}:
        problems.append(f"objects outside the argus namespace: {namespaces}")
    images = {c["image"] for t in pods for c in t["spec"].get("initContainers", [])
              + t["spec"]["containers"]}
    if len(images) != 1:
        problems.append(f"more than one image: {images}")
    return problems


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_overlay_renders_validates_strictly_and_holds_together(overlay):
    objects = render(K8S / "overlays" / overlay)
    kinds = {o["kind"] for o in objects}
    assert {"Deployment", "StatefulSet", "Job", "Service", "HorizontalPodAutoscaler",
            "PodDisruptionBudget", "NetworkPolicy", "Ingress", "ConfigMap", "Secret"} <= kinds
    assert invalid(objects) == []
    assert dangling(objects) == []
    ingest = by_kind(objects, "StatefulSet")["argus-ingest"]
    rtmp = [n for n in by_kind(objects, "Service") if n.endswith("-rtmp")]
    assert len(rtmp) == ingest["spec"]["replicas"]  # every node reachable by cameras


def test_the_overlays_differ_where_they_should():
    dev, prod = (render(K8S / "overlays" / o) for o in ("dev", "prod"))
    assert by_kind(dev, "StatefulSet")["argus-ingest"]["spec"]["replicas"] == 1
    assert by_kind(prod, "StatefulSet")["argus-ingest"]["spec"]["replicas"] == 3
    assert by_kind(dev, "Service")["argus-ingest-0-rtmp"]["spec"]["type"] == "NodePort"
    assert by_kind(prod, "Service")["argus-ingest-0-rtmp"]["spec"]["type"] == "LoadBalancer"


def test_prometheus_scrapes_headless_services_that_exist():
    config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yaml").read_text())
    services = by_kind(render(K8S / "overlays" / "prod"), "Service")
    for job in config["scrape_configs"]:
        for sd in job["dns_sd_configs"]:
            for name in sd["names"]:
                service, namespace = name.split(".")[:2]
                assert namespace == "argus" and service in services, name
                assert services[service]["spec"].get("clusterIP") == "None", name
                assert sd["port"] in {p["port"] for p in services[service]["spec"]["ports"]}


def test_a_typo_in_a_manifest_fails(tmp_path):
    copy = tmp_path / "k8s"
    shutil.copytree(K8S, copy)
    worker = copy / "base" / "worker.yaml"
    worker.write_text(worker.read_text().replace("terminationGracePeriodSeconds:",
                                                 "terminationGracePeriodSecond:"))
    problems = invalid(render(copy / "overlays" / "dev"))
    assert problems and "terminationGracePeriodSecond" in problems[0]
    service = copy / "base" / "control-plane.yaml"
    service.write_text(service.read_text().replace("targetPort: http", "targetPort: htp", 1))
    assert any("targetPort htp" in p for p in dangling(render(copy / "overlays" / "dev")))

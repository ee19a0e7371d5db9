#!/usr/bin/env python3
"""Offline check of rendered Kubernetes manifests (render.py output, or `helm template`): every
field must be one that the Kubernetes API defines for that kind and version, with the right type,
and required fields present; then the chart's own invariants: selectors match pod labels, ports
and probes line up, the HPA and PDB point at the Deployment, and the termination grace period
covers the preStop sleep plus the server's drain (SHUTDOWN_TIMEOUT_S).

The schemas below are the subset of the Kubernetes 1.27 OpenAPI the chart uses (types and
required fields from the API reference); a field outside them is an error, so a new field means
extending the schema on purpose.
usage: validate.py RENDERED.yaml"""
import re
import sys

import yaml

S, I, B = "string", "integer", "boolean"
INTSTR = "int-or-string"
QTY = "quantity"
MAP = "map[string]string"
ANY = "any"


def obj(required=(), **fields):
    return {"fields": fields, "required": set(required)}


def lst(item):
    return {"list": item}


LABEL_SELECTOR = obj(matchLabels=MAP, matchExpressions=lst(obj(("key", "operator"), key=S, operator=S, values=lst(S))))
OBJECT_META = obj(name=S, namespace=S, labels=MAP, annotations=MAP)
HTTP_GET = obj(("port",), path=S, port=INTSTR, scheme=S, host=S)
PROBE = obj(httpGet=HTTP_GET, initialDelaySeconds=I, periodSeconds=I, timeoutSeconds=I, failureThreshold=I,
            successThreshold=I)
EXEC = obj(command=lst(S))
ENV_VAR = obj(("name",), name=S, value=S, valueFrom=obj(
    secretKeyRef=obj(("key",), name=S, key=S, optional=B),
    configMapKeyRef=obj(("key",), name=S, key=S, optional=B),
    fieldRef=obj(("fieldPath",), fieldPath=S, apiVersion=S)))
RESOURCES = obj(requests={"map": QTY}, limits={"map": QTY})
VOLUME_MOUNT = obj(("name", "mountPath"), name=S, mountPath=S, readOnly=B, subPath=S)
SEC_CTX = obj(runAsUser=I, runAsGroup=I, runAsNonRoot=B, readOnlyRootFilesystem=B, allowPrivilegeEscalation=B,
              capabilities=obj(drop=lst(S), add=lst(S)))
CONTAINER = obj(("name",), name=S, image=S, imagePullPolicy=S, command=lst(S), args=lst(S),
                ports=lst(obj(("containerPort",), name=S, containerPort=I, protocol=S)),
                env=lst(ENV_VAR), resources=RESOURCES, volumeMounts=lst(VOLUME_MOUNT),
                lifecycle=obj(preStop=obj(exec=EXEC, httpGet=HTTP_GET), postStart=obj(exec=EXEC)),
                startupProbe=PROBE, readinessProbe=PROBE, livenessProbe=PROBE, securityContext=SEC_CTX)
VOLUME = obj(("name",), name=S, emptyDir=obj(medium=S, sizeLimit=QTY),
             persistentVolumeClaim=obj(("claimName",), claimName=S, readOnly=B))
POD_SPEC = obj(("containers",), containers=lst(CONTAINER), initContainers=lst(CONTAINER), volumes=lst(VOLUME),
               terminationGracePeriodSeconds=I, imagePullSecrets=lst(obj(name=S)), nodeSelector=MAP,
               tolerations=lst(ANY), affinity=ANY,
               securityContext=obj(runAsUser=I, runAsGroup=I, runAsNonRoot=B, fsGroup=I))
KINDS = {
    ("apps/v1", "Deployment"): obj(("apiVersion", "kind", "metadata", "spec"), apiVersion=S, kind=S, metadata=OBJECT_META,
                                   spec=obj(("selector", "template"), replicas=I, selector=LABEL_SELECTOR,
                                            strategy=obj(type=S, rollingUpdate=obj(maxSurge=INTSTR, maxUnavailable=INTSTR)),
                                            template=obj(metadata=OBJECT_META, spec=POD_SPEC), minReadySeconds=I,
                                            revisionHistoryLimit=I)),
    ("v1", "Service"): obj(("apiVersion", "kind", "metadata", "spec"), apiVersion=S, kind=S, metadata=OBJECT_META,
                           spec=obj(type=S, selector=MAP, ports=lst(obj(("port",), name=S, port=I, targetPort=INTSTR,
                                                                        protocol=S, nodePort=I)))),
    ("autoscaling/v2", "HorizontalPodAutoscaler"): obj(
        ("apiVersion", "kind", "metadata", "spec"), apiVersion=S, kind=S, metadata=OBJECT_META,
        spec=obj(("scaleTargetRef", "maxReplicas"),
                 scaleTargetRef=obj(("kind", "name"), apiVersion=S, kind=S, name=S), minReplicas=I, maxReplicas=I,
                 metrics=lst(obj(("type",), type=S,
                                 resource=obj(("name", "target"), name=S,
                                              target=obj(("type",), type=S, averageUtilization=I, averageValue=QTY, value=QTY)),
                                 pods=obj(("metric", "target"), metric=obj(("name",), name=S, selector=LABEL_SELECTOR),
                                          target=obj(("type",), type=S, averageValue=QTY)))),
                 behavior=obj(scaleDown=obj(stabilizationWindowSeconds=I, selectPolicy=S, policies=lst(ANY)),
                              scaleUp=obj(stabilizationWindowSeconds=I, selectPolicy=S, policies=lst(ANY))))),
    ("policy/v1", "PodDisruptionBudget"): obj(("apiVersion", "kind", "metadata", "spec"), apiVersion=S, kind=S,
                                              metadata=OBJECT_META,
                                              spec=obj(selector=LABEL_SELECTOR, minAvailable=INTSTR, maxUnavailable=INTSTR)),
}
QTY_RE = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
DNS1123 = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def check(value, schema, path, errors):
    if schema == ANY:
        return
    if schema == S:
        ok = isinstance(value, str)
    elif schema == I:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif schema == B:
        ok = isinstance(value, bool)
    elif schema == INTSTR:
        ok = isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
    elif schema == QTY:
        ok = (isinstance(value, (int, float)) and not isinstance(value, bool)) or (
            isinstance(value, str) and bool(QTY_RE.match(value)))
    elif schema == MAP:
        ok = isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    elif "map" in schema:
        ok = isinstance(value, dict)
        if ok:
            for k, v in value.items():
                check(v, schema["map"], f"{path}.{k}", errors)
    elif "list" in schema:
        ok = isinstance(value, list)
        if ok:
            for i, v in enumerate(value):
                check(v, schema["list"], f"{path}[{i}]", errors)
    else:
        ok = isinstance(value, dict)
        if ok:
            for k, v in value.items():
                if k not in schema["fields"]:
                    errors.append(f"{path}.{k}: not a field of this object")
                else:
                    check(v, schema["fields"][k], f"{path}.{k}", errors)
            for k in schema["required"]:
                if k not in value:
                    errors.append(f"{path}.{k}: required")
    if not ok:
        errors.append(f"{path}: expected {schema if isinstance(schema, str) else 'object/list'}, got {value!r:.60}")


def invariants(docs, errors):
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
        name = d["metadata"].get("name", "")
        if not DNS1123.match(name) or len(name) > 63:
            errors.append(f"{d['kind']} name {name!r} is not a DNS-1123 label")
    deps = by_kind.get("Deployment", [])
    if len(deps) != 1:
        errors.append(f"expected one Deployment, got {len(deps)}")
        return
    dep = deps[0]
    pod = dep["spec"]["template"]
    labels = pod.get("metadata", {}).get("labels", {})
    sel = dep["spec"]["selector"].get("matchLabels", {})
    if not sel or any(labels.get(k) != v for k, v in sel.items()):
        errors.append("Deployment selector does not match its pod labels")
    main = pod["spec"]["containers"][0]
    port_names = {p.get("name"): p["containerPort"] for p in main.get("ports", [])}
    env = {e["name"]: e.get("value") for e in main.get("env", [])}
    for probe in ("readinessProbe", "livenessProbe"):
        p = main.get(probe)
        if not p or p.get("httpGet", {}).get("path") != "/health":
            errors.append(f"{probe} must be an httpGet on /health")
        elif p["httpGet"]["port"] not in port_names and p["httpGet"]["port"] not in port_names.values():
            errors.append(f"{probe} port {p['httpGet']['port']} is not a container port")
    if str(port_names.get("http")) != env.get("PORT"):
        errors.append("container port 'http' differs from PORT")
    mounts = {m["name"] for c in pod["spec"]["containers"] + pod["spec"].get("initContainers", [])
              for m in c.get("volumeMounts", [])}
    vols = {v["name"] for v in pod["spec"].get("volumes", [])}
    if mounts - vols:
        errors.append(f"volume mounts without volumes: {sorted(mounts - vols)}")
    for c in pod["spec"].get("initContainers", []):
        if "download" in c.get("command", []) and "--if-missing" not in c["command"]:
            errors.append("the model init container must use kokoro download --if-missing")
    # Drain: preStop sleep + SHUTDOWN_TIMEOUT_S must fit in the grace period.
    grace = pod["spec"].get("terminationGracePeriodSeconds", 30)
    pre = main.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    sleep_s = int(pre[1]) if len(pre) == 2 and pre[0] == "sleep" else 0
    drain = float(env.get("SHUTDOWN_TIMEOUT_S") or 10)
    if grace <= sleep_s + drain:
        errors.append(f"terminationGracePeriodSeconds {grace} does not cover preStop {sleep_s} s + drain {drain:g} s")
    # /health is 503 while draining: liveness must not restart the container during a drain.
    live = main.get("livenessProbe", {})
    if live.get("periodSeconds", 10) * live.get("failureThreshold", 3) <= drain:
        errors.append("livenessProbe would restart a draining container (period x failures <= SHUTDOWN_TIMEOUT_S)")
    for svc in by_kind.get("Service", []):
        if any(labels.get(k) != v for k, v in svc["spec"].get("selector", {}).items()) or not svc["spec"].get("selector"):
            errors.append("Service selector does not match the pods")
        for p in svc["spec"]["ports"]:
            if p.get("targetPort") not in port_names and p.get("targetPort") not in port_names.values():
                errors.append(f"Service targetPort {p.get('targetPort')} is not a container port")
    for hpa in by_kind.get("HorizontalPodAutoscaler", []):
        ref = hpa["spec"]["scaleTargetRef"]
        if ref.get("kind") != "Deployment" or ref.get("name") != dep["metadata"]["name"]:
            errors.append("HPA does not target the Deployment")
        if hpa["spec"].get("minReplicas", 1) > hpa["spec"]["maxReplicas"]:
            errors.append("HPA minReplicas > maxReplicas")
        if "replicas" in dep["spec"]:
            errors.append("Deployment sets replicas while an HPA manages it")
    for pdb in by_kind.get("PodDisruptionBudget", []):
        ml = pdb["spec"].get("selector", {}).get("matchLabels", {})
        if not ml or any(labels.get(k) != v for k, v in ml.items()):
            errors.append("PodDisruptionBudget selector does not match the pods")


def validate(text):
    errors = []
    docs = [d for d in yaml.safe_load_all(text) if d]
    for d in docs:
        key = (d.get("apiVersion"), d.get("kind"))
        schema = KINDS.get(key)
        if not schema:
            errors.append(f"unknown kind {key}")
            continue
        check(d, schema, f"{d['kind']}/{d.get('metadata', {}).get('name', '?')}", errors)
    if not errors:
        invariants(docs, errors)
    return docs, errors


def main(argv):
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    docs, errors = validate(open(argv[0], encoding="utf-8").read())
    for e in errors:
        print("invalid:", e)
    if errors:
        return 1
    print("valid: " + ", ".join(f"{d['kind']}/{d['metadata']['name']}" for d in docs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

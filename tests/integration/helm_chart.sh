#!/usr/bin/env bash
# deploy/helm/kokoro: rendered offline (tools/helm/render.py, the Go-template subset the chart
# uses) with its defaults and with each optional part switched, and every rendering checked
# against the Kubernetes fields it uses (tools/helm/validate.py). `helm lint` and `helm template`
# run too where helm is installed (Debian 12 does not package it).
set -euo pipefail
kokoro=$1 build=$2 src=$3
chart=$src/deploy/helm/kokoro
tmp=$(mktemp -d "$build/helm-chart.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
render() { python3 "$src/tools/helm/render.py" "$chart" "$@"; }
validate() { python3 "$src/tools/helm/validate.py" "$1"; }

python3 - "$chart" <<'PY' || fail "Chart.yaml"
import re, sys, yaml, os
c = yaml.safe_load(open(os.path.join(sys.argv[1], "Chart.yaml")))
assert c["apiVersion"] == "v2" and c["name"] == os.path.basename(sys.argv[1]), c
assert re.fullmatch(r"\d+\.\d+\.\d+", c["version"]) and c.get("appVersion"), c
v = yaml.safe_load(open(os.path.join(sys.argv[1], "values.yaml")))
assert isinstance(v, dict) and v["server"]["shutdownTimeoutS"] > 0
PY

i=0
for sets in "" \
    "--set autoscaling.enabled=false --set replicaCount=3" \
    "--set autoscaling.activeStreams.enabled=true" \
    "--set model.download=false --set model.existingClaim=kokoro-models" \
    "--set model.repo=hexgrad/Kokoro-82M --set server.workers=4 --set server.apiKeysSecret=kokoro-keys" \
    "--set podDisruptionBudget.enabled=false --set image.tag=1.2.3 --release my-tts"; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  render $sets >"$tmp/r$i.yaml" || fail "render $sets"
  validate "$tmp/r$i.yaml" >"$tmp/v$i.txt" || { cat "$tmp/v$i.txt"; fail "invalid with: $sets"; }
done
# What the switches must change.
grep -q 'replicas: 3' "$tmp/r2.yaml" && ! grep -q HorizontalPodAutoscaler "$tmp/r2.yaml" || fail "autoscaling off"
! grep -q 'replicas:' "$tmp/r1.yaml" || fail "replicas set beside an HPA"
grep -q 'name: kokoro_active_streams' "$tmp/r3.yaml" && ! grep -q kokoro_active_streams "$tmp/r1.yaml" || fail "streams HPA"
grep -q 'claimName: kokoro-models' "$tmp/r4.yaml" && ! grep -q initContainers "$tmp/r4.yaml" || fail "existing claim"
grep -q -- '--if-missing' "$tmp/r1.yaml" && grep -q 'emptyDir' "$tmp/r1.yaml" || fail "download init container"
grep -q 'hexgrad/Kokoro-82M' "$tmp/r5.yaml" && grep -q 'value: "4"' "$tmp/r5.yaml" && grep -q 'secretKeyRef' "$tmp/r5.yaml" || fail "r5"
grep -q 'image: "kokoro-c:1.2.3"' "$tmp/r6.yaml" && grep -q 'name: my-tts-kokoro' "$tmp/r6.yaml" && ! grep -q PodDisruptionBudget "$tmp/r6.yaml" || fail "r6"
grep -q 'path: /health' "$tmp/r1.yaml" || fail "probes"

# The checks fail where they should: a grace period shorter than the drain, a misspelt field.
render --set terminationGracePeriodSeconds=30 >"$tmp/bad1.yaml"
if validate "$tmp/bad1.yaml" >"$tmp/bad1.txt"; then fail "short grace period accepted"; fi
grep -q 'does not cover' "$tmp/bad1.txt" || fail "short grace period: $(cat "$tmp/bad1.txt")"
render --set livenessProbe.failureThreshold=3 >"$tmp/bad3.yaml"
if validate "$tmp/bad3.yaml" >"$tmp/bad3.txt"; then fail "liveness shorter than the drain accepted"; fi
sed 's/periodSeconds:/periodSecond:/' "$tmp/r1.yaml" >"$tmp/bad2.yaml"
if validate "$tmp/bad2.yaml" >"$tmp/bad2.txt"; then fail "misspelt field accepted"; fi
grep -q 'not a field' "$tmp/bad2.txt" || fail "misspelt field: $(cat "$tmp/bad2.txt")"

if command -v helm >/dev/null; then
  helm lint "$chart" || fail "helm lint"
  helm template kokoro "$chart" >"$tmp/helm.yaml" || fail "helm template"
  validate "$tmp/helm.yaml" || fail "helm template output"
else
  echo "helm not installed: offline rendering only"
fi
cat "$tmp/v1.txt"
echo ok

#!/usr/bin/env bash
# pitcrew doctor at scale: the built-in large scenario (WORKERS + 1 nodes, ~30 pods each; default 999 -> 1,000 nodes) started
# as bench/sim.sh starts it; `pitcrew doctor cluster -o json` wall time and peak RSS against `kubectl get pods -A -o json`.
# Usage: bench/doctor.sh [WORKERS]      (4999 for 5,000 nodes / ~150,000 pods; about 10 minutes to settle)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v etcd >/dev/null && command -v kubectl >/dev/null || { echo "etcd or kubectl not found: run scripts/setup.sh" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (Debian package: time)" >&2; exit 1; }
echo "publishing pitcrew (Release, ReadyToRun)" >&2
dotnet publish src/Pitcrew.Cli -c Release -r linux-x64 -o bench/out/pitcrew --verbosity quiet >&2
dotnet run -c Release --project bench/Pitcrew.Bench -- doctor "$PWD/bench/out/pitcrew/pitcrew" "${1:-999}"

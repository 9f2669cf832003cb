#!/usr/bin/env bash
# Simulator at scale: the built-in large scenario (WORKERS + 1 nodes, ~30 pods each; default 999 -> 1,000 nodes and
# ~30,000 pods), timed to every pod Running, then CPU and memory at rest and the real kubectl listing every pod.
# Usage: bench/sim.sh [WORKERS]      (4999 for the documented limits: 5,000 nodes, ~150,000 pods)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v etcd >/dev/null && command -v kubectl >/dev/null || { echo "etcd or kubectl not found: run scripts/setup.sh" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (Debian package: time)" >&2; exit 1; }
echo "publishing pitcrew (Release, ReadyToRun)" >&2
dotnet publish src/Pitcrew.Cli -c Release -r linux-x64 -o bench/out/pitcrew --verbosity quiet >&2
dotnet run -c Release --project bench/Pitcrew.Bench -- sim "$PWD/bench/out/pitcrew/pitcrew" "${1:-999}"

#!/usr/bin/env bash
# pitcrew node drain against kubectl drain on one simulated cluster: one node of 110 pods (wall time, API requests per
# client from the sim's /metrics) and 20 nodes (kubectl one at a time against --max-concurrent-nodes 5).
# Usage: bench/drain.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v etcd >/dev/null && command -v kubectl >/dev/null || { echo "etcd or kubectl not found: run scripts/setup.sh" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (Debian package: time)" >&2; exit 1; }
echo "publishing pitcrew (Release, ReadyToRun)" >&2
dotnet publish src/Pitcrew.Cli -c Release -r linux-x64 -o bench/out/pitcrew --verbosity quiet >&2
dotnet run -c Release --project bench/Pitcrew.Bench -- drain "$PWD/bench/out/pitcrew/pitcrew"

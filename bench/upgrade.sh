#!/usr/bin/env bash
# pitcrew upgrade apply v1.29.15 -> v1.30.14 on a simulated cluster of 3 control planes and WORKERS workers (kubelets
# that take KUBELET_RESTART_S to come back, pods that take POD_STOP_S to stop, Deployments under budgets): --batch-size 5,
# then --batch-size 1 on a fresh cluster. Prints the wall time, the unavoidable work (drain + restart per node),
# Pitcrew's own time per node and where it goes, and budget violations counted by the sim (/metrics).
# bench/upgrade.sh ha [WORKERS=2] [KUBELET_RESTART_S=10]: v1.31.14 -> v1.32.13 on 3 stacked control planes (the new etcd
# image restarts each member), printing the time per control plane and Pitcrew's own part of it.
# Usage: bench/upgrade.sh [WORKERS=50] [KUBELET_RESTART_S=10] [POD_STOP_S=3] [BATCH_SIZES=5,1]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v etcd >/dev/null && command -v kubectl >/dev/null || { echo "etcd or kubectl not found: run scripts/setup.sh" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (Debian package: time)" >&2; exit 1; }
echo "publishing pitcrew (Release, ReadyToRun)" >&2
dotnet publish src/Pitcrew.Cli -c Release -r linux-x64 -o bench/out/pitcrew --verbosity quiet >&2
if [ "${1:-}" = ha ]; then
  shift
  exec dotnet run -c Release --project bench/Pitcrew.Bench -- upgrade-ha "$PWD/bench/out/pitcrew/pitcrew" "$@"
fi
dotnet run -c Release --project bench/Pitcrew.Bench -- upgrade "$PWD/bench/out/pitcrew/pitcrew" "$@"

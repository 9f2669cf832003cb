#!/usr/bin/env bash
# Change stream benchmark (issue 19): etcd's extra CPU at 1,000 writes/s with the stream, the recovery point after a
# SIGKILL of the runner, and rebuilding a point (a TARGET_MB full backup plus CHANGES streamed changes) against
# etcdctl snapshot restore of the full backup alone. Usage: bench/pitr.sh [TARGET_MB=1024] [CHANGES=1000000]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v etcd >/dev/null && command -v etcdctl >/dev/null || { echo "etcd not found: run scripts/setup.sh" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (Debian package: time)" >&2; exit 1; }
echo "publishing pitcrew (Release, ReadyToRun)" >&2
dotnet publish src/Pitcrew.Cli -c Release -r linux-x64 -o bench/out/pitcrew --verbosity quiet >&2
dotnet run -c Release --project bench/Pitcrew.Bench -- pitr "$PWD/bench/out/pitcrew/pitcrew" "${1:-1024}" "${2:-1000000}"

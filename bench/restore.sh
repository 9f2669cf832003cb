#!/usr/bin/env bash
# Restore benchmark: fills a throwaway etcd to TARGET_MB (default 1024), saves one snapshot and restores it
# with etcdctl and with pitcrew (like for like without a bump, and with the Kubernetes default), alternating
# who goes first: wall time and the child's own peak RSS. Usage: bench/restore.sh [TARGET_MB] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v etcd >/dev/null && command -v etcdctl >/dev/null || { echo "etcd not found: run scripts/setup.sh" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (Debian package: time)" >&2; exit 1; }
echo "publishing pitcrew (Release, ReadyToRun)" >&2
dotnet publish src/Pitcrew.Cli -c Release -r linux-x64 -o bench/out/pitcrew --verbosity quiet >&2
dotnet run -c Release --project bench/Pitcrew.Bench -- restore "$PWD/bench/out/pitcrew/pitcrew" "${1:-1024}" "${2:-3}"

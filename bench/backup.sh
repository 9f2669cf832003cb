#!/usr/bin/env bash
# Backup benchmark: fills a throwaway etcd to TARGET_MB (default 1024), then in one run compares
# etcdctl snapshot save to local disk with pitcrew etcd backup create --compress --encrypt-key-file to s3rver:
# throughput ratio (target >= 0.70) and pitcrew's peak RSS (target < 200 MB).
# Usage: bench/backup.sh [TARGET_MB] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v etcd >/dev/null && command -v etcdctl >/dev/null || { echo "etcd not found: run scripts/setup.sh" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (Debian package: time)" >&2; exit 1; }
[ -x tools/s3rver/node_modules/.bin/s3rver ] || { echo "s3rver not found: run scripts/setup.sh" >&2; exit 1; }
echo "publishing pitcrew (Release, ReadyToRun)" >&2
dotnet publish src/Pitcrew.Cli -c Release -r linux-x64 -o bench/out/pitcrew --verbosity quiet >&2
dotnet run -c Release --project bench/Pitcrew.Bench -- backup "$PWD/bench/out/pitcrew/pitcrew" "$PWD/tools/s3rver/node_modules/.bin/s3rver" "${1:-1024}" "${2:-2}"

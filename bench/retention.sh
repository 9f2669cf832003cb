#!/usr/bin/env bash
# Retention policy at scale: `pitcrew etcd backup retention simulate` over ~10,000, ~100,000 and ~1,000,000 backups
# with an hourly-to-yearly policy; wall time and peak RSS of the whole command (process start, history, Decide,
# output), in human and JSON output.
# Usage: bench/retention.sh
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x /usr/bin/time ] || { echo "/usr/bin/time not found (Debian package: time)" >&2; exit 1; }
echo "publishing pitcrew (Release, ReadyToRun)" >&2
dotnet publish src/Pitcrew.Cli -c Release -r linux-x64 -o bench/out/pitcrew --verbosity quiet >&2
pitcrew="$PWD/bench/out/pitcrew/pitcrew"
policy=(--keep-hourly 24 --keep-daily 7 --keep-weekly 4 --keep-monthly 12 --keep-yearly -1 --until 2026-12-01T00:00:00Z)
printf '%-10s %-7s %-10s %10s %10s %12s\n' BACKUPS OUTPUT KEPT WALL_S RSS_MB JSON_BYTES
for spec in "1h 417d" "5m 347d" "31s 347d"; do
  read -r every span <<<"$spec"
  for output in table json; do
    /usr/bin/time -f '%e %M' -o /tmp/pitcrew-retention-time "$pitcrew" etcd backup retention simulate --every "$every" --for "$span" "${policy[@]}" -o "$output" >/tmp/pitcrew-retention-out
    read -r wall rss </tmp/pitcrew-retention-time
    if [ "$output" = table ]; then
      count=$(sed -n 's/^Simulated \([0-9,]*\) backups.*/\1/p' /tmp/pitcrew-retention-out)
      kept=$(sed -n 's/^Kept \([0-9,]*\),.*/\1/p' /tmp/pitcrew-retention-out)
      bytes=-
    else
      bytes=$(wc -c </tmp/pitcrew-retention-out)
    fi
    printf '%-10s %-7s %-10s %10s %10d %12s\n' "$count" "$output" "$kept" "$wall" $((rss / 1024)) "$bytes"
  done
done
rm -f /tmp/pitcrew-retention-out /tmp/pitcrew-retention-time

#!/usr/bin/env bash
# Seed 004 part 4 (WorkloadDiscoveryExample) on its timeline: 5 s idle → {cats} → 10 s → {cats, dogs}
# → 10 s → {dogs} → 10 s → {cats, birds} → 10 s → shutdown (here: → {} then stop). The manager re-reads
# the file every second; this script only swaps the file's content.
#   examples/workloads/discovery/timeline.sh [broker-url]      (default memory://)
#   examples/workloads/discovery/timeline.sh pulsar+ws://127.0.0.1:8080   (on Pulsar, as the seed ran it)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
broker=${1:-memory://}
file=$(mktemp --suffix=.yaml)
trap 'rm -f "$file"' EXIT
cp "$here/0-none.yaml" "$file"
npx heroflow workloads --workloads "$file" --broker "$broker" --poll-interval 1s --report-interval 5s &
pid=$!
sleep 5;  cp "$here/1-cats.yaml" "$file"
sleep 10; cp "$here/2-cats-dogs.yaml" "$file"
sleep 10; cp "$here/3-dogs.yaml" "$file"
sleep 10; cp "$here/4-cats-birds.yaml" "$file"
sleep 10; cp "$here/5-none.yaml" "$file"
sleep 3;  kill -TERM "$pid"
wait "$pid"

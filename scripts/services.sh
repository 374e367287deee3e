#!/usr/bin/env bash
# Real servers on 127.0.0.1 for tests, benches and users. See docs/services.md.
#
#   scripts/services.sh up     [name...]   install what is missing, start, wait until ready
#   scripts/services.sh down   [name...]   stop what this script started (PID files)
#   scripts/services.sh status [name...]   one line per service: name, URL, state
#
# Names: redis redis-tls rabbitmq rabbitmq-tls nats nats-tls nats-token mosquitto mosquitto-tls kafka
# kafka-tls moto azurite fakegcs (default: all, in that order; the -tls/-token ones: docs/security.md),
# and, only when named: kafka-cluster (3 Kafka brokers: test/chaos/kafka-cluster.test.ts, docs/reliability.md)
# and pulsar (standalone broker, one ~450 MB JVM: docs/pulsar.md).
# Each name dispatches to scripts/services/<name>.sh, which also runs on its own.
# `up` installs the missing packages of all named services in one apt-get run, launches
# every server, then waits for each, so the slow ones (RabbitMQ, Kafka) boot in parallel.
# State and logs: .services/ (PID files, <name>.log, data dirs <name>/).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SERVICE=services
# shellcheck source=services/lib.sh
source "$HERE/services/lib.sh"

ALL=(redis redis-tls rabbitmq rabbitmq-tls nats nats-tls nats-token mosquitto mosquitto-tls kafka kafka-tls moto azurite fakegcs)
# Started only when named (JVMs: three Kafka brokers, one Pulsar); a plain status/down covers them too.
OPTIONAL=(kafka-cluster pulsar)

usage() {
  echo "usage: $0 up|down|status [${ALL[*]}]" >&2
  exit 2
}

(($# >= 1)) || usage
cmd=$1
shift
names=("$@")
if ((${#names[@]} == 0)); then
  names=("${ALL[@]}")
  [[ $cmd == up ]] || names+=("${OPTIONAL[@]}")
fi
for n in "${names[@]}"; do
  [[ -x "$HERE/services/$n.sh" ]] || die "unknown service '$n' (known: ${ALL[*]} ${OPTIONAL[*]})"
done

svc() { "$HERE/services/$1.sh" "${@:2}"; }

case $cmd in
up)
  take_lock
  t0=$(now)
  # 1. packages of all named services, one apt-get run (update only if something is missing)
  pkgs=()
  for n in "${names[@]}"; do mapfile -t -O "${#pkgs[@]}" pkgs < <(svc "$n" packages); done
  ((${#pkgs[@]} == 0)) || ensure_packages "${pkgs[@]}"
  # 2. launch everything (Kafka resolves its jars and formats storage in its start,
  #    while RabbitMQ boots), 3. wait for each
  for n in "${names[@]}"; do svc "$n" start; done
  #    (in parallel, so each reports its own launch-to-ready time)
  waits=()
  for n in "${names[@]}"; do
    svc "$n" wait &
    waits+=($!)
  done
  failed=0
  for p in "${waits[@]}"; do wait "$p" || failed=1; done
  ((failed == 0)) || die "not all services became ready (see the errors above); \`$0 status\` shows what runs"
  say "all ready (${names[*]}) in $(since "$t0")"
  ;;
down)
  take_lock
  # reverse order
  for ((i = ${#names[@]} - 1; i >= 0; i--)); do svc "${names[i]}" down; done
  ;;
status)
  for n in "${names[@]}"; do svc "$n" status; done
  ;;
*) usage ;;
esac

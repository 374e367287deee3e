#!/usr/bin/env bash
# RabbitMQ on 127.0.0.1:5672 (Debian rabbitmq-server), node rabbit@localhost.
# Everything it writes (mnesia, cookie, pid) lives in .services/rabbitmq; its log is
# .services/rabbitmq.log. epmd is started by us on 127.0.0.1:4369 unless one already runs.
SERVICE=rabbitmq
SERVICE_PORT=5672
READY_TIMEOUT=90
EPMD_PORT=4369
RABBIT_BIN=/usr/lib/rabbitmq/bin # the real scripts; /usr/sbin/* would `su rabbitmq`
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SERVICE_URL="amqp://guest:guest@$HOST:$SERVICE_PORT"

svc_packages() { printf '%s\n' rabbitmq-server; }

rabbit_env() {
  local dir
  dir=$(data_dir)
  mkdir -p "$dir/mnesia" "$dir/log" "$dir/home"
  [[ -s "$dir/enabled_plugins" ]] || printf '[].\n' >"$dir/enabled_plugins"
  export HOME="$dir/home" # Erlang cookie lives here, shared by server and CLI tools
  export RABBITMQ_NODENAME=rabbit@localhost
  export RABBITMQ_NODE_IP_ADDRESS=$HOST
  export RABBITMQ_NODE_PORT=$SERVICE_PORT
  export ERL_EPMD_ADDRESS=$HOST
  export ERL_EPMD_PORT=$EPMD_PORT
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_MNESIA_BASE="$dir/mnesia"
  export RABBITMQ_LOG_BASE="$dir/log"
  export RABBITMQ_LOGS=- # to stdout -> .services/rabbitmq.log
  export RABBITMQ_PID_FILE="$dir/beam.pid"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
  export RABBITMQ_CONFIG_FILE="$dir/rabbitmq" # absent: built-in defaults
  export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
}

svc_start() {
  rabbit_env
  if ! port_open "$EPMD_PORT"; then
    start_bg epmd epmd -address "$HOST" -port "$EPMD_PORT"
    local i
    for ((i = 0; i < 50; i++)); do port_open "$EPMD_PORT" && break; sleep 0.1; done
    say "started epmd (pid $(read_pid epmd || echo '?')) on $HOST:$EPMD_PORT"
  fi
  # Foreground mode in the background: the PID file holds the wrapper script, which
  # forwards SIGTERM as a clean stop.
  start_bg rabbitmq "$RABBIT_BIN/rabbitmq-server"
}

# Real request: AMQP 0-9-1 protocol header -> the broker must answer Connection.Start
# (frame type 1, channel 0, class 10 method 10).
svc_ready() {
  local reply
  exec 3<>"/dev/tcp/$HOST/$SERVICE_PORT" || return 1
  printf 'AMQP\x00\x00\x09\x01' >&3
  reply=$(timeout 3 head -c 11 <&3 | od -An -tx1 | tr -d ' \n')
  exec 3<&-
  [[ $reply == 010000* && ${reply:14:8} == 000a000a ]]
}

svc_stop() {
  rabbit_env
  local pid
  pid=$(read_pid) || return 0
  if ! timeout 60 "$RABBIT_BIN/rabbitmqctl" -q -n "$RABBITMQ_NODENAME" stop >/dev/null 2>&1; then
    warn "rabbitmqctl stop failed; sending SIGTERM"
  fi
  stop_pid rabbitmq 30 || true
}

# Runs on every `down`: our epmd goes too (only the one we started, by its PID file).
svc_cleanup() {
  local pid
  if pid=$(read_pid epmd); then
    stop_pid epmd 5 || true
    say "stopped epmd (pid $pid)"
  fi
}

service_main "$@"

#!/usr/bin/env bash
# Redis on 127.0.0.1:6379 (Debian redis-server). Data dir .services/redis, no snapshots.
SERVICE=redis
SERVICE_PORT=6379
READY_TIMEOUT=20
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SERVICE_URL="redis://$HOST:$SERVICE_PORT/0"

svc_packages() { printf '%s\n' redis-server redis-tools; }

svc_start() {
  local dir
  dir=$(data_dir)
  mkdir -p "$dir"
  # Foreground (daemonize no) so our PID file holds the server's PID; logs to stdout.
  start_bg redis redis-server --port "$SERVICE_PORT" --bind "$HOST" --protected-mode yes \
    --daemonize no --dir "$dir" --save '' --appendonly no --logfile ''
}

# Real request: PING -> PONG.
svc_ready() { [[ "$(redis-cli -h "$HOST" -p "$SERVICE_PORT" ping 2>/dev/null)" == PONG ]]; }

service_main "$@"

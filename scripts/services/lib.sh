# shellcheck shell=bash
# Common functions for scripts/services/<name>.sh. Sourced, never run.
#
# A service script sets:
#   SERVICE       name (redis, rabbitmq, ...)
#   SERVICE_URL   URL tests use
#   SERVICE_PORT  TCP port on 127.0.0.1 that answers when the server is up
#   READY_TIMEOUT seconds to wait for readiness (HEROFLOW_SERVICES_TIMEOUT overrides)
# and defines:
#   svc_packages  print the Debian packages it needs (one per line)
#   svc_start     launch the server in the background (use start_bg), return at once
#   svc_ready     one REAL request against the server; exit status 0 when it answers
#   svc_stop      optional; default stops the PID in .services/<name>.pid
# and ends with: service_main "$@"

set -euo pipefail

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$LIB_DIR/../.." && pwd)
STATE_DIR="$REPO_ROOT/.services"
HOST=127.0.0.1
export DEBIAN_FRONTEND=noninteractive

mkdir -p "$STATE_DIR"

# ---------------------------------------------------------------- messages / time
say() { printf '[%s] %s\n' "${SERVICE:-services}" "$*"; }
warn() { printf '[%s] %s\n' "${SERVICE:-services}" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "${SERVICE:-services}" "$*" >&2
  exit 1
}

# Wall clock in seconds with microseconds (bash 5).
now() { printf '%s' "$EPOCHREALTIME"; }
# since T0 -> "1.23s"
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2fs", b - a }'; }

# ---------------------------------------------------------------- paths
pid_file() { printf '%s/%s.pid' "$STATE_DIR" "${1:-$SERVICE}"; }
log_file() { printf '%s/%s.log' "$STATE_DIR" "${1:-$SERVICE}"; }
data_dir() { printf '%s/%s' "$STATE_DIR" "${1:-$SERVICE}"; }
rel() { printf '%s' "${1#"$REPO_ROOT"/}"; } # path relative to the repo, for messages

# ---------------------------------------------------------------- processes
# Alive = exists and is not a zombie (an exited server may linger as one until reaped).
pid_alive() {
  [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null || return 1
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 0 # no /proc: trust kill -0
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# PID from .services/<name>.pid if that process is still alive, else nothing (status 1).
read_pid() {
  local f pid
  f=$(pid_file "${1:-$SERVICE}")
  [[ -s "$f" ]] || return 1
  pid=$(<"$f")
  pid_alive "$pid" || return 1
  printf '%s' "$pid"
}

# start_bg <name> <cmd> [args...]: run detached (own session, stdin /dev/null), output
# appended to .services/<name>.log, PID into .services/<name>.pid.
start_bg() {
  local name=$1
  shift
  local log
  log=$(log_file "$name")
  printf '\n===== %s: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$log"
  # Non-interactive bash: the child is not a process-group leader, so setsid execs in
  # place and $! is the server's own PID.
  # fds 8/9 hold our flock locks: the server must not inherit them (it would keep the
  # lock for its whole life and block every later up/down).
  setsid "$@" >>"$log" 2>&1 </dev/null 8>&- 9>&- &
  printf '%s\n' "$!" >"$(pid_file "$name")"
}

# stop_pid <name> [timeout]: SIGTERM the PID from the PID file, SIGKILL after timeout.
stop_pid() {
  local name=$1 timeout=${2:-20} pid i
  if ! pid=$(read_pid "$name"); then
    rm -f "$(pid_file "$name")"
    return 1
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < timeout * 10; i++)); do
    pid_alive "$pid" || break
    sleep 0.1
  done
  if pid_alive "$pid"; then
    warn "$name (pid $pid) ignored SIGTERM for ${timeout}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 0.2
  fi
  rm -f "$(pid_file "$name")"
}

# ---------------------------------------------------------------- network
# port_open <port> [host]: a TCP connect succeeds.
port_open() { (exec 3<>"/dev/tcp/${2:-$HOST}/$1") 2>/dev/null; }

# ---------------------------------------------------------------- packages
pkg_installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# ensure_packages pkg...: install what is missing; `apt-get update` once, only then.
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    pkg_installed "$p" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get here; install them by hand"
  local sudo=()
  if ((EUID != 0)); then
    command -v sudo >/dev/null || die "missing packages ${missing[*]}; run as root or install them"
    sudo=(sudo -n)
  fi
  local t0
  t0=$(now)
  say "installing missing packages: ${missing[*]}"
  # Keep Debian maintainer scripts from starting system-wide daemons (rabbitmq-server,
  # redis-server, mosquitto would otherwise grab our ports on all interfaces).
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod 755 "$policy"
    made_policy=1
  fi
  local rc=0
  {
    "${sudo[@]}" apt-get update -qq &&
      "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=300 "${missing[@]}"
  } </dev/null || rc=$?
  ((made_policy)) && "${sudo[@]}" rm -f "$policy"
  ((rc == 0)) || die "apt-get install ${missing[*]} failed (exit $rc)"
  say "installed ${missing[*]} in $(since "$t0")"
}

# ---------------------------------------------------------------- readiness
# wait_ready [timeout]: call svc_ready until it succeeds. On timeout, or when the
# process we started dies, fail with a message naming the log file.
wait_ready() {
  local timeout=${HEROFLOW_SERVICES_TIMEOUT:-${1:-$READY_TIMEOUT}}
  local t0 deadline pid started log
  log=$(log_file)
  t0=$(now)
  deadline=$((${t0%.*} + timeout))
  pid=$(read_pid || true)
  while true; do
    if svc_ready >/dev/null 2>&1; then
      started=""
      [[ -s "$STATE_DIR/$SERVICE.started" ]] && started=$(<"$STATE_DIR/$SERVICE.started")
      if [[ -n $started ]]; then
        say "ready at $SERVICE_URL ($(since "$started") after launch)"
        rm -f "$STATE_DIR/$SERVICE.started"
      else
        say "ready at $SERVICE_URL (checked in $(since "$t0"))"
      fi
      return 0
    fi
    if [[ -n $pid ]] && ! pid_alive "$pid"; then
      tail_log "$log"
      die "$SERVICE exited before it became ready; read $(rel "$log")"
    fi
    if ((${EPOCHREALTIME%.*} >= deadline)); then
      tail_log "$log"
      die "$SERVICE did not become ready in ${timeout}s; read $(rel "$log")"
    fi
    sleep 0.1
  done
}

tail_log() {
  [[ -s $1 ]] || return 0
  printf -- '----- last lines of %s -----\n' "$(rel "$1")" >&2
  tail -n 20 "$1" >&2
  printf -- '-----\n' >&2
}

# ---------------------------------------------------------------- dispatch
svc_stop() { stop_pid "$SERVICE"; }

cmd_packages() { svc_packages; }

cmd_install() {
  local pkgs
  mapfile -t pkgs < <(svc_packages)
  ((${#pkgs[@]} == 0)) || ensure_packages "${pkgs[@]}"
  if declare -F svc_install >/dev/null; then svc_install; fi
}

cmd_start() {
  local pid
  rm -f "$STATE_DIR/$SERVICE.started"
  if port_open "$SERVICE_PORT"; then
    if pid=$(read_pid); then
      say "already running (pid $pid) on $HOST:$SERVICE_PORT; left alone"
    else
      say "something already answers on $HOST:$SERVICE_PORT (not started by services.sh); left alone"
    fi
    return 0
  fi
  if pid=$(read_pid); then
    # Our process is alive but the port is not open yet: a previous `up` is still booting.
    say "already starting (pid $pid); waiting for it"
    return 0
  fi
  now >"$STATE_DIR/$SERVICE.started"
  svc_start
  say "launched (pid $(read_pid || echo '?')), log $(rel "$(log_file)")"
}

cmd_wait() { wait_ready; }

cmd_down() {
  local pid
  if pid=$(read_pid); then
    local t0
    t0=$(now)
    svc_stop
    say "stopped (pid $pid) in $(since "$t0")"
  else
    rm -f "$(pid_file)"
    if port_open "$SERVICE_PORT"; then
      say "not started by services.sh (no PID file) but $HOST:$SERVICE_PORT answers; left alone"
    else
      say "not running"
    fi
  fi
  if declare -F svc_cleanup >/dev/null; then svc_cleanup; fi
  rm -f "$STATE_DIR/$SERVICE.started"
}

cmd_status() {
  local state pid
  if port_open "$SERVICE_PORT"; then
    if pid=$(read_pid); then state="running (pid $pid)"; else state="running (not started by services.sh)"; fi
  elif pid=$(read_pid); then
    state="starting (pid $pid)"
  else
    state="stopped"
  fi
  printf '%-13s %-48s %s\n' "$SERVICE" "$SERVICE_URL" "$state"
}

# The lock keeps two concurrent `up`/`down` runs from racing on PID files.
take_lock() {
  [[ -n "${HEROFLOW_SERVICES_LOCKED:-}" ]] && return 0
  exec 9>"$STATE_DIR/.lock"
  if ! flock -n 9; then
    say "another services.sh up/down runs; waiting for $(rel "$STATE_DIR")/.lock"
    flock -w 600 9 || die "could not lock $(rel "$STATE_DIR")/.lock within 600s"
  fi
  export HEROFLOW_SERVICES_LOCKED=1
}

service_main() {
  local cmd=${1:-}
  case $cmd in
  up)
    take_lock
    cmd_install
    cmd_start
    cmd_wait
    ;;
  install) take_lock && cmd_install ;;
  start) take_lock && cmd_start ;;
  wait) cmd_wait ;;
  down) take_lock && cmd_down ;;
  status) cmd_status ;;
  packages) cmd_packages ;;
  url) printf '%s\n' "$SERVICE_URL" ;;
  *)
    echo "usage: $0 up|down|status  (also: install start wait packages url)" >&2
    exit 2
    ;;
  esac
}

# ---------------------------------------------------------------- TLS material (the *-tls services)
# ensure_certs: a throw-away CA and, signed by it, a server certificate for 127.0.0.1/localhost and a
# client certificate (PEM, plus PKCS#12 with password TLS_P12_PASS as seed 003's keystore), under
# .services/tls/. Made once, at the first start of any TLS service; delete the directory to renew.
TLS_DIR="$STATE_DIR/tls"
TLS_P12_PASS=heroflow-p12
ensure_certs() {
  [[ -e "$TLS_DIR/.complete" ]] && return 0
  command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
  local d="$TLS_DIR.tmp" t0
  t0=$(now)
  rm -rf "$d"
  mkdir -p "$d"
  (
    cd "$d"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=heroflow test CA' \
      -keyout ca.key -out ca.crt
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >server.ext
    openssl req -newkey rsa:2048 -nodes -subj '/CN=localhost' -keyout server.key -out server.csr
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile server.ext -out server.crt
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl req -newkey rsa:2048 -nodes -subj '/CN=heroflow' -keyout client.key -out client.csr
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile client.ext -out client.crt
    # A certificate from another CA: the server must refuse it.
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj '/CN=stranger' \
      -keyout stranger.key -out stranger.crt
    openssl pkcs12 -export -in client.crt -inkey client.key -certfile ca.crt -name heroflow \
      -passout "pass:$TLS_P12_PASS" -out client.p12
    openssl pkcs12 -export -in server.crt -inkey server.key -certfile ca.crt -name localhost \
      -passout "pass:$TLS_P12_PASS" -out server.p12
    rm -f ./*.csr ./*.ext ./*.srl
    chmod 600 ./*.key ./*.p12
  ) >>"$(log_file tls)" 2>&1 || die "certificate generation failed; read $(rel "$(log_file tls)")"
  rm -rf "$TLS_DIR"
  mv "$d" "$TLS_DIR"
  touch "$TLS_DIR/.complete"
  say "made a test CA, server and client certificates in $(rel "$TLS_DIR") in $(since "$t0")"
}

# Test credentials of the auth-enabled services (tests use the same defaults; nothing secret).
TEST_USER=heroflow
TEST_PASS=heroflow-secret

# A Kafka cluster id: 16 random bytes, URL-safe base64 without padding (what `kafka-storage random-uuid`
# prints), never starting with '-': the storage tool would read such an id as an option and refuse it.
kafka_cluster_id() {
  head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' | sed 's/^-/A/'
}

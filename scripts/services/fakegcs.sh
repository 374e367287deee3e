#!/usr/bin/env bash
# Google Cloud Storage emulator: fake-gcs-server (github.com/fsouza/fake-gcs-server, built with
# `go install` through the Go module proxy) on http://127.0.0.1:4443, in memory. It serves the JSON API,
# multipart and resumable uploads, MD5/CRC32C, generations and ifGenerationMatch preconditions.
#
# Binary: ${HEROFLOW_CACHE_DIR:-~/.cache/heroflow}/fake-gcs-server-<version>/bin/fake-gcs-server (built once;
# takes a few minutes on 2 cores). Tests use STORAGE_EMULATOR_HOST=http://127.0.0.1:4443.
#
# Env: HEROFLOW_FAKEGCS_VERSION (default below), HEROFLOW_CACHE_DIR.
SERVICE=fakegcs
SERVICE_PORT=4443
READY_TIMEOUT=60
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SERVICE_URL="http://$HOST:$SERVICE_PORT"

FAKEGCS_VERSION=${HEROFLOW_FAKEGCS_VERSION:-v1.56.1}
GOBIN_DIR="${HEROFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/heroflow}/fake-gcs-server-$FAKEGCS_VERSION/bin"
BIN="$GOBIN_DIR/fake-gcs-server"

svc_packages() { command -v go >/dev/null || echo golang-go; }

svc_install() {
  [[ -x $BIN ]] && return 0
  local t0
  t0=$(now)
  say "building github.com/fsouza/fake-gcs-server@$FAKEGCS_VERSION (go install) into $GOBIN_DIR"
  GOBIN="$GOBIN_DIR" GOFLAGS=-mod=mod go install "github.com/fsouza/fake-gcs-server@$FAKEGCS_VERSION" </dev/null ||
    die "go install fake-gcs-server@$FAKEGCS_VERSION failed"
  say "built fake-gcs-server $FAKEGCS_VERSION in $(since "$t0")"
}

svc_start() {
  svc_install
  local dir
  dir=$(data_dir)
  mkdir -p "$dir"
  start_bg fakegcs "$BIN" -scheme http -host "$HOST" -port "$SERVICE_PORT" -backend memory \
    -public-host "$HOST:$SERVICE_PORT" -external-url "http://$HOST:$SERVICE_PORT" -log-level warn
}

# Real request: the JSON API lists buckets.
svc_ready() { curl -fsS "http://$HOST:$SERVICE_PORT/storage/v1/b" | grep -q '"kind"'; }

service_main "$@"

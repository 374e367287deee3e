#!/usr/bin/env bash
# Azure Blob Storage emulator: Azurite (npm `azurite`, blob service only) on 127.0.0.1:10000, in memory,
# with --disableTelemetry (otherwise it reports to applicationinsights.azure.com) and
# --skipApiVersionCheck (the SDK may be newer than the emulator).
#
# Installed once with npm into ${HEROFLOW_CACHE_DIR:-~/.cache/heroflow}/azurite-<version>/ (outside the
# repo: it is 186 MB and only the tests need it). 3.35.0 is the last release that runs on Node 20.
# Tests use the well-known development account:
#   AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=…;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;"
#
# Env: HEROFLOW_AZURITE_VERSION (default below), HEROFLOW_CACHE_DIR.
SERVICE=azurite
SERVICE_PORT=10000
READY_TIMEOUT=60
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SERVICE_URL="http://$HOST:$SERVICE_PORT/devstoreaccount1"

AZURITE_VERSION=${HEROFLOW_AZURITE_VERSION:-3.35.0}
PREFIX="${HEROFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/heroflow}/azurite-$AZURITE_VERSION"
BIN="$PREFIX/node_modules/.bin/azurite-blob"

svc_packages() { :; }

svc_install() {
  [[ -x $BIN ]] && return 0
  local t0
  t0=$(now)
  say "installing azurite@$AZURITE_VERSION into $PREFIX (npm)"
  mkdir -p "$PREFIX"
  npm install --prefix "$PREFIX" --no-audit --no-fund --no-save --loglevel=error "azurite@$AZURITE_VERSION" </dev/null ||
    die "npm install azurite@$AZURITE_VERSION failed"
  say "installed azurite $AZURITE_VERSION in $(since "$t0")"
}

svc_start() {
  svc_install
  start_bg azurite "$BIN" --blobHost "$HOST" --blobPort "$SERVICE_PORT" --inMemoryPersistence \
    --disableTelemetry --skipApiVersionCheck --loose
}

# Real request: an anonymous List Containers is refused with an Azure error body (403/400), which only
# Azurite's blob service sends.
svc_ready() { curl -sS "http://$HOST:$SERVICE_PORT/devstoreaccount1?comp=list" | grep -q '<Error>\|<Code>'; }

service_main "$@"

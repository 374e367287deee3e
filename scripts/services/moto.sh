#!/usr/bin/env bash
# S3-compatible server: moto's server mode (PyPI `moto[server]`) on 127.0.0.1:5000, in-memory.
# Chosen over s3rver and gofakes3 for fidelity: multipart uploads (incl. the 5 MiB minimum part size and
# abort), Content-MD5 checks (BadDigest), flexible checksums (x-amz-checksum-crc32/crc32c/sha*),
# conditional writes (If-None-Match: * -> 412) and ListObjectsV2 paging all behave as on S3.
#
# Installed once into a venv under ${HEROFLOW_CACHE_DIR:-~/.cache/heroflow}/moto-<version>/ (pip).
# Tests use AWS_ENDPOINT_URL=http://127.0.0.1:5000 with any access key (moto accepts every key).
#
# Env: HEROFLOW_MOTO_VERSION (default below), HEROFLOW_CACHE_DIR.
SERVICE=moto
SERVICE_PORT=5000
READY_TIMEOUT=60
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SERVICE_URL="http://$HOST:$SERVICE_PORT"

MOTO_VERSION=${HEROFLOW_MOTO_VERSION:-5.2.5}
VENV="${HEROFLOW_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/heroflow}/moto-$MOTO_VERSION"

svc_packages() {
  # Debian's python3 needs python3-venv for `python3 -m venv`; a pyenv/other Python has it built in.
  python3 -c 'import ensurepip' >/dev/null 2>&1 || echo python3-venv
}

svc_install() {
  [[ -x "$VENV/bin/moto_server" ]] && return 0
  local t0
  t0=$(now)
  say "installing moto[server]==$MOTO_VERSION into $VENV (pip)"
  python3 -m venv "$VENV" || die "python3 -m venv failed (apt-get install python3-venv)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" ||
    die "pip install moto[server]==$MOTO_VERSION failed"
  say "installed moto $MOTO_VERSION in $(since "$t0")"
}

svc_start() {
  svc_install
  start_bg moto "$VENV/bin/moto_server" -H "$HOST" -p "$SERVICE_PORT"
}

# Real request: ListBuckets answers with XML.
svc_ready() { curl -fsS "http://$HOST:$SERVICE_PORT/" | grep -q ListAllMyBucketsResult; }

service_main "$@"

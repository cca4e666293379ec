#!/usr/bin/env bash
# run.sh BUILD SECONDS: runs every fuzz target of a KILN_FUZZ build for
# SECONDS each, from its seed corpus. Fails on any crash, leak, sanitizer
# report or time-out; the input that caused it is left in BUILD/fuzz/.
set -euo pipefail
build=$(cd "$1" && pwd) seconds=$2
here="$(cd "$(dirname "$0")" && pwd)"
out="$build/fuzz"
mkdir -p "$out"
status=0
for target in spec schedule safetensors npy; do
  corpus="$out/corpus-$target"
  rm -rf "$corpus"
  "$here/corpus.sh" "$target" "$corpus"
  echo "== fuzzing $target for ${seconds}s"
  if ! "$build/bin/fuzz-$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="$out/$target-" "$corpus" > "$out/$target.log" 2>&1; then
    echo "fuzz-$target FAILED; its report:"
    tail -60 "$out/$target.log"
    status=1
  else
    grep -E "^stat::(number_of_executed_units|new_units_added)" "$out/$target.log" || true
  fi
done
exit $status

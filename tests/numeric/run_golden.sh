#!/bin/sh
# run_golden.sh KILN COMPARE CASE_DIR WORK_DIR: runs one golden case with
# `kiln run` and compares every output with PyTorch's.
set -eu
kiln=$1 compare=$2 case=$3 work=$4
mkdir -p "$work"
set -- run "$case/net.kiln"
[ -f "$case/weights.safetensors" ] && set -- "$@" --weights "$case/weights.safetensors"
[ -f "$case/precision" ] && set -- "$@" --precision "$(cat "$case/precision")"
[ -f "$case/qparams" ] && set -- "$@" --qparams "$case/qparams"
[ -f "$case/schedule" ] && set -- "$@" --schedule "$case/schedule"
for input in "$case"/input*.npy; do set -- "$@" --input "$input"; done
for expected in "$case"/expected*.npy; do
  set -- "$@" --output "$work/$(basename "$expected" | sed 's/expected/actual/')"
done
"$kiln" "$@"
# A case's `tolerance` file, where there is one, holds the compare options
# (make_golden.py says why).
tolerance=""
[ -f "$case/tolerance" ] && tolerance=$(cat "$case/tolerance")
status=0
for expected in "$case"/expected*.npy; do
  # shellcheck disable=SC2086  # the options split into words
  "$compare" "$work/$(basename "$expected" | sed 's/expected/actual/')" "$expected" $tolerance || status=1
done
exit $status

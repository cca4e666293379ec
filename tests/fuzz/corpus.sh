#!/usr/bin/env bash
# corpus.sh TARGET DIR: fills DIR with the seed corpus of a fuzz target (the
# repository's own examples and test inputs) and the inputs of every crash
# fixed so far (tests/fuzz/regressions/TARGET).
set -euo pipefail
target=$1 dir=$2
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$dir"
seeds() { git -C "$root" ls-files "$@" | sed "s|^|$root/|"; }
case $target in
  spec) files=$(seeds '*.kiln') ;;
  schedule) files=$(seeds 'tests/fuzz/seeds/schedule/*.sched' 'schedules/*.sched') ;;
  safetensors|npy)
    files=$(seeds "*.$target")
    files=$(echo "$files" | awk 'NR <= 40')  # enough shapes; the rest are alike
    for kind in $(/usr/bin/python3 -c "import sys; sys.path.insert(0, '$root/tests/lit/Inputs'); import make_file; print(' '.join(k for k in make_file.KINDS if k.endswith('.$target')))"); do
      /usr/bin/python3 "$root/tests/lit/Inputs/make_file.py" "$kind" "$dir/$kind"
    done ;;
  *) echo "corpus.sh: unknown target $target" >&2; exit 2 ;;
esac
for f in $files; do cp "$f" "$dir/$(echo "${f#$root/}" | tr / _)"; done
if [ -d "$root/tests/fuzz/regressions/$target" ]; then cp "$root/tests/fuzz/regressions/$target"/* "$dir/"; fi
echo "$target: $(ls "$dir" | wc -l) inputs in $dir"

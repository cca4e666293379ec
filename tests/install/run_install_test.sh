#!/bin/sh
# run_install_test.sh SOURCE_DIR BUILD_DIR WORK_DIR [CMAKE ARGS...]: installs
# Kiln into a prefix, builds the consumer project against it (with the CMake
# arguments given) and runs its programs.
set -eu
source_dir=$1 build_dir=$2 work=$3
shift 3
rm -rf "$work" && mkdir -p "$work"
cmake --install "$build_dir" --prefix "$work/prefix" > "$work/install.log"
/usr/bin/python3 "$source_dir/tests/lit/Inputs/make_file.py" good.safetensors "$work/small.safetensors"
cmake -S "$source_dir/tests/install" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DKILN_SOURCE_DIR="$source_dir" -DSMALL_WEIGHTS="$work/small.safetensors" "$@" > "$work/configure.log"
cmake --build "$work/build" > "$work/build.log"
"$work/build/seed_edge_demo"
"$work/build/small_embedded"

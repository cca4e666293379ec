#!/usr/bin/env bash
# Kiln under attack (after scripts/setup.sh): builds Kiln, its tests and the
# code it generates with clang's AddressSanitizer and UndefinedBehaviorSanitizer
# in build-asan/ and runs the whole test suite there (LeakSanitizer included);
# runs each libFuzzer target for FUZZ_SECONDS (default 60); and builds the
# concurrency tests with ThreadSanitizer in build-tsan/ and runs them.
#   scripts/sanitizers.sh [FUZZ_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz_seconds=${1:-60}
scripts/install_packages.sh clang-14 libclang-rt-14-dev

clang_build() {  # DIR SANITIZERS [CMAKE ARGS...]
  local dir=$1 sanitizers=$2
  shift 2
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DKILN_SANITIZE="$sanitizers" "$@" > /dev/null
}

echo "== ASan + UBSan build in build-asan/"
clang_build build-asan address,undefined -DKILN_FUZZ=ON
cmake --build build-asan
echo "== the whole test suite under ASan + UBSan"
ctest --test-dir build-asan --output-on-failure -j2

echo "== fuzzing, ${fuzz_seconds}s per target"
tests/fuzz/run.sh build-asan "$fuzz_seconds"

echo "== concurrency tests under ThreadSanitizer in build-tsan/"
clang_build build-tsan thread
cmake --build build-tsan --target model_unit_tests runtime_unit_tests
build-tsan/bin/model_unit_tests --gtest_filter='ConcurrentModels.*'
build-tsan/bin/runtime_unit_tests --gtest_filter='SpinningThreadPool.*'
echo "== sanitizers: all clean"

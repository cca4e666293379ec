#!/usr/bin/env bash
# Builds Kiln, installs PyTorch and ONNX from Debian, then runs
# benchmarks/precision.py: zoo networks in f32, bf16 and int8.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_packages.sh python3-torch python3-torchvision python3-onnx python3-numpy
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build
/usr/bin/python3 benchmarks/precision.py --kiln build/bin/kiln "$@"

#!/usr/bin/env bash
# Builds Kiln, installs PyTorch and ONNX from Debian (ONNX Runtime from npm), then runs
# benchmarks/quantized.py: quantized networks against ONNX Runtime and PyTorch.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_packages.sh python3-torch python3-torchvision python3-onnx python3-numpy
command -v npm > /dev/null || scripts/install_packages.sh nodejs npm  # a machine's own Node.js (with its npm) will do
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build
/usr/bin/python3 benchmarks/quantized.py --kiln build/bin/kiln "$@"

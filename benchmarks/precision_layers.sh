#!/usr/bin/env bash
# Builds Kiln and oneDNN's program, then runs benchmarks/precision_layers.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install_packages.sh libdnnl-dev ocl-icd-opencl-dev python3-torch python3-torchvision
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build
/usr/bin/python3 benchmarks/precision_layers.py --kiln build/bin/kiln --onednn build/bin/onednn_conv "$@"

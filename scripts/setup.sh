#!/usr/bin/env bash
# Sets up Kiln on Debian 12 from a clean clone: installs the Debian packages
# it needs (idempotent), builds it in build/, and runs two examples end to
# end: the seed edge detector and the digits classifier.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_packages.sh cmake ninja-build g++ binutils libhalide14-0-dev llvm-14-tools nlohmann-json3-dev \
  libcli11-dev libgtest-dev python3 python3-numpy python3-torch python3-torchvision python3-sklearn python3-onnx \
  libonnx-testdata

echo "== building Kiln in build/"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build build

echo "== the seed example: a 3x3 edge kernel over the image 1..25, as a C program"
build/bin/seed_edge_demo
echo "== the same through kiln run"
/usr/bin/python3 -c "import numpy as np; np.save('build/seed_image.npy', np.arange(1, 26, dtype=np.float32).reshape(1, 1, 5, 5))"
build/bin/kiln run examples/seed_edge/seed_edge.kiln --input build/seed_image.npy
echo "== the digits CNN (trained with PyTorch) classifying its test split"
build/bin/classify_digits examples/digits/digits.safetensors examples/digits/test_images.npy \
  examples/digits/test_labels.npy examples/digits/torch_predictions.npy
echo "== done: run every test with: ctest --test-dir build --output-on-failure -j2"

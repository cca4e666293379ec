#!/usr/bin/env bash
# Builds Kiln and the peers' programs, then runs benchmarks/run.py.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for p in libdnnl-dev ocl-icd-opencl-dev libxnnpack-dev libpthreadpool-dev python3-matplotlib python3-torch python3-torchvision; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build build
/usr/bin/python3 benchmarks/run.py "$@"

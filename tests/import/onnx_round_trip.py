#!/usr/bin/python3
"""torch.onnx.export, then `kiln import`, then `kiln run`: the output must match
PyTorch's, max |kiln - torch| <= 1e-4 max |torch|.

    /usr/bin/python3 tests/import/onnx_round_trip.py --kiln build/bin/kiln resnet18
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")
sys.path.insert(0, TOOLS)
from compare_with_pytorch import matches, randomize_batchnorm  # noqa: E402
from export_pytorch import load_model  # noqa: E402
from kiln_io import save_npy  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--input-shape", default="1,3,224,224")
    args = parser.parse_args()
    torch.manual_seed(0)
    model = load_model(args.model).eval()
    randomize_batchnorm(model)
    x = torch.randn(*map(int, args.input_shape.split(",")))
    with torch.no_grad():
        expected = model(x).numpy()
    with tempfile.TemporaryDirectory() as work:
        onnx_path = os.path.join(work, "model.onnx")
        torch.onnx.export(model, x, onnx_path, opset_version=13)
        subprocess.run([args.kiln, "import", onnx_path, "-o", work, "--name", "imported"], check=True)
        save_npy(os.path.join(work, "x.npy"), x.numpy())
        subprocess.run([args.kiln, "run", os.path.join(work, "imported.kiln"), "--weights",
                        os.path.join(work, "imported.safetensors"), "--input", os.path.join(work, "x.npy"),
                        "--output", os.path.join(work, "y.npy")], check=True)
        actual = np.load(os.path.join(work, "y.npy"))
    return 0 if matches(f"{args.model} through ONNX", actual, expected) else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""check_quantized.py --kiln KILN: each quantized ONNX model of models/
(make_models.py) through `kiln import` and `kiln run`, in f32 and with
--precision int8, agrees with ONNX Runtime's output (NAME.ort.npy) to within
one quantization step of the output's grid. In int8 every conv2d and dense
the model quantizes must compute in int8 (kiln check says so), and the
import must say the model is quantized.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
# Each model's convolutions and dense layers but the depthwise one of
# qdq_features, which Kiln's int8 leaves in f32.
INT8_LAYERS = {"qdq_residual": 3, "qlinear_ops": 3, "qdq_features": 2}


def run(command):
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if result.returncode:
        raise RuntimeError(f"{' '.join(command)}: exit {result.returncode}: {result.stderr.strip()}")
    return result


def check(kiln, model, work):
    """The failures of one model, as lines."""
    name = os.path.splitext(os.path.basename(model))[0]
    stem = os.path.join(HERE, "models", name)
    imported = run([kiln, "import", model, "-o", work])
    if "a quantized model" not in imported.stderr:
        return [f"{name}: the import does not say the model is quantized: {imported.stderr.strip()}"]
    spec, weights = os.path.join(work, name + ".kiln"), os.path.join(work, name + ".safetensors")
    failures = []
    output = next(line.split()[1] for line in open(spec) if line.startswith("output "))
    expected, step = np.load(stem + ".ort.npy"), float(np.load(stem + ".step.npy"))
    failures = []
    table = run([kiln, "check", spec, "--precision", "int8"]).stdout.splitlines()
    int8 = sum(row.split()[1:2] in (["conv2d"], ["dense"]) and " int8 " in row for row in table)
    if int8 != INT8_LAYERS[name]:
        failures.append(f"{name}: {int8} conv2d and dense layers in int8, not {INT8_LAYERS[name]}")
    for precision in ("f32", "int8"):
        out = os.path.join(work, f"{name}.{precision}.npy")
        run([kiln, "run", spec, "--weights", weights, "--precision", precision,
             "--input", f"x={stem}.input.npy", "--output", f"{output}={out}"])
        actual = np.load(out).reshape(expected.shape)
        steps = float(np.abs(actual - expected).max()) / step
        print(f"{name} {precision}: {expected.size} values, largest difference {steps:.3g} steps of {step}")
        if not steps <= 1.0:
            failures.append(f"{name} {precision}: {steps:.3g} quantization steps from ONNX Runtime (limit 1)")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    args = parser.parse_args()
    models = sorted(glob.glob(os.path.join(HERE, "models", "*.onnx")))
    failures = []
    for model in models:
        with tempfile.TemporaryDirectory() as work:
            failures += check(args.kiln, model, work)
    for failure in failures:
        print("FAIL: " + failure)
    return 1 if failures or not models else 0


if __name__ == "__main__":
    sys.exit(main())

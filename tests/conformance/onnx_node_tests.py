#!/usr/bin/python3
"""ONNX's own node conformance cases, through `kiln import` and `kiln run`.

    /usr/bin/python3 tests/conformance/onnx_node_tests.py --kiln build/bin/kiln [--min-covered 77]

Takes the single-node test models of Debian's libonnx-testdata for the ops
Kiln covers, turns the inputs that are parameters (weights, bias, Clip's
bounds, BatchNormalization's statistics) into initializers, as exported
models have them, imports each with `kiln import`, runs it with `kiln run`
on the case's data, and compares with ONNX's expected output
(|kiln - onnx| <= 1e-5 + 1e-4 |onnx|). A case the importer rejects (1-D or
3-D pooling, SAME_LOWER, integer types, training mode, ...) is listed as not
covered with the importer's reason. Exits 1 if a covered case fails, or if
fewer than --min-covered cases are covered.
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from kiln_io import save_npy  # noqa: E402

DATA = "/usr/share/libonnx-testdata/data/node"
OPS = ["conv", "convtranspose", "maxpool", "averagepool", "globalaveragepool", "globalmaxpool", "relu", "sigmoid", "tanh",
       "hardswish", "leakyrelu", "softmax", "logsoftmax", "clip", "add", "mul", "concat", "flatten", "batchnorm",
       "gemm", "matmul", "pad", "hardsigmoid", "resize", "slice", "split", "sub", "div", "pow", "max", "min", "exp", "sqrt", "erf", "reduce_mean",
       "reduce_sum", "reduce_max", "reduce_l2", "transpose", "reshape", "squeeze", "unsqueeze"]
DATA_OPERANDS = {"Add", "Mul", "Sub", "Div", "Pow", "Max", "Min", "Concat", "MatMul"}  # every input is data; other ops take data in input 0 only


def load_tensor(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return numpy_helper.to_array(tensor)


def as_exported(model, values):
    """The model with its parameter inputs as initializers; returns (model, data values)."""
    graph, node = model.graph, model.graph.node[0]
    data_names = set(node.input) if node.op_type in DATA_OPERANDS else {node.input[0]}
    data, inputs = [], []
    for value_info, value in zip(graph.input, values):
        if value_info.name in data_names:
            inputs.append(value_info)
            data.append(value)
        else:
            graph.initializer.append(numpy_helper.from_array(value, value_info.name))
    del graph.input[:]
    graph.input.extend(inputs)
    return model, data


# Cases run once more with a bias (ONNX's have none), which every output
# position adds: an output larger than the full transposed convolution gets
# it in its border too.
BIASED = {"test_convtranspose_output_shape"}


def add_bias(model, values, expected):
    channels = expected[0].shape[1]
    bias = np.linspace(-1, 1, channels, dtype=np.float32)
    model.graph.node[0].input.append("B")
    model.graph.input.append(onnx.helper.make_tensor_value_info("B", onnx.TensorProto.FLOAT, [channels]))
    values.append(bias)
    expected[0] = expected[0] + bias.reshape(1, -1, *([1] * (expected[0].ndim - 2)))


def run_case(directory, kiln, work, biased=False):
    """Returns ("pass" | "fail" | "not covered", detail)."""
    model = onnx.load(os.path.join(directory, "model.onnx"))
    if len(model.graph.node) != 1:
        return "not covered", "more than one node"
    data_dir = os.path.join(directory, "test_data_set_0")
    values = [load_tensor(os.path.join(data_dir, f"input_{i}.pb")) for i in range(len(model.graph.input))]
    expected = [load_tensor(os.path.join(data_dir, f"output_{i}.pb")) for i in range(len(model.graph.output))]
    if biased:
        add_bias(model, values, expected)
    model, data = as_exported(model, values)
    onnx.save(model, os.path.join(work, "case.onnx"))
    imported = subprocess.run([kiln, "import", os.path.join(work, "case.onnx"), "-o", work, "--name", "case"],
                              capture_output=True, text=True)
    if imported.returncode != 0:
        return "not covered", imported.stderr.strip().split("error: ", 1)[-1]
    command = [kiln, "run", os.path.join(work, "case.kiln"), "--weights", os.path.join(work, "case.safetensors")]
    for i in range(len(expected)):
        command += ["--output", os.path.join(work, f"y{i}.npy")]
    for i, value in enumerate(data):
        save_npy(os.path.join(work, f"x{i}.npy"), value)
        command += ["--input", os.path.join(work, f"x{i}.npy")]
    result = subprocess.run(command, capture_output=True, text=True)
    spec = open(os.path.join(work, "case.kiln")).read().strip().split("\n")[-2]
    if result.returncode != 0:
        return "fail", result.stderr.strip() + f"\n    spec: {spec}"
    for i, wanted in enumerate(expected):
        actual = np.load(os.path.join(work, f"y{i}.npy"))
        if actual.shape != wanted.shape:
            return "fail", f"output {i}: shape {list(actual.shape)}, expected {list(wanted.shape)}; spec: {spec}"
        if not np.all(np.isclose(actual, wanted, 1e-4, 1e-5, equal_nan=True)):
            return "fail", f"output {i}: max difference {np.nanmax(np.abs(actual - wanted))}; spec: {spec}"
    return "pass", spec


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--min-covered", type=int, default=1)
    parser.add_argument("--ops", help="comma-separated: only these ops' cases (default: all of OPS)")
    args = parser.parse_args()
    ops = args.ops.split(",") if args.ops else OPS
    cases = sorted({d for op in ops for d in glob.glob(os.path.join(DATA, f"test_{op}*")) if not d.endswith("_expanded")})
    results = {"pass": [], "fail": [], "not covered": []}
    runs = [(d, False) for d in cases] + [(d, True) for d in cases if os.path.basename(d) in BIASED]
    for directory, biased in runs:
        with tempfile.TemporaryDirectory() as work:
            outcome, detail = run_case(directory, args.kiln, work, biased)
        results[outcome].append(f"{os.path.basename(directory)}{' with a bias' if biased else ''}: {detail}")
    for outcome in ("pass", "not covered", "fail"):
        for line in results[outcome]:
            print(f"{outcome.upper() if outcome == 'fail' else outcome}  {line}")
    covered = len(results["pass"]) + len(results["fail"])
    print(f"{len(results['pass'])} passed, {len(results['fail'])} failed "
          f"({len(results['not covered'])} cases not covered by Kiln's ops)")
    if covered < args.min_covered:
        print(f"only {covered} cases covered, expected at least {args.min_covered}")
        return 1
    return 1 if results["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())

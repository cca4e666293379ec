#!/usr/bin/python3
"""ONNX's own node conformance cases, run through Kiln.

    /usr/bin/python3 tests/conformance/onnx_node_tests.py --kiln build/bin/kiln

Reads the single-node test models of Debian's libonnx-testdata (with
python3-onnx), turns each case of an op that Kiln covers into a .kiln spec, a
weights file and .npy inputs, runs `kiln run`, and compares with ONNX's
expected outputs (|kiln - onnx| <= 1e-5 + 1e-4 |onnx|). Cases whose
attributes have no Kiln equivalent (1-D/3-D pooling, SAME_LOWER, integer
types, training mode, ...) are listed as not covered, with the reason.
Exits 1 if a covered case fails, or if fewer cases than --min-covered map.
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
from kiln_io import save_npy, save_safetensors  # noqa: E402

DATA = "/usr/share/libonnx-testdata/data/node"


class NotCovered(Exception):
    pass


def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def text(value):
    return value.decode() if isinstance(value, bytes) else value


def window(attrs, pooling):
    """kernel/stride/padding/dilation/ceil_mode attributes of a 2-D Conv or Pool."""
    out = []
    if "kernel_shape" in attrs:
        if len(attrs["kernel_shape"]) != 2:
            raise NotCovered(f"{len(attrs['kernel_shape'])}-D window")
        out.append("kernel=({}, {})".format(*attrs["kernel_shape"]))
    strides = attrs.get("strides", [1, 1])
    out.append("stride=({}, {})".format(*strides))
    if "dilations" in attrs:
        out.append("dilation=({}, {})".format(*attrs["dilations"]))
    auto_pad = text(attrs.get("auto_pad", "NOTSET"))
    if auto_pad == "SAME_UPPER":
        out.append("padding=same")
    elif auto_pad == "VALID":
        out.append("padding=valid")
    elif auto_pad != "NOTSET":
        raise NotCovered(f"auto_pad={auto_pad}")
    elif "pads" in attrs:
        out.append("padding=({}, {}, {}, {})".format(*attrs["pads"]))
    if pooling and attrs.get("ceil_mode", 0):
        out.append("ceil_mode=true")
    return out


def convert(node, inputs, opset):
    """Returns (op text with attributes, kiln input indices, weights dict)."""
    op, attrs = node.op_type, attributes(node)
    names = list(node.input)
    if op == "Conv":
        w = inputs[1]
        parts = [f"filters={w.shape[0]}", f"groups={attrs.get('group', 1)}"]
        if "kernel_shape" not in attrs:
            parts.append("kernel=({}, {})".format(*w.shape[2:]))
        parts += window(attrs, False)
        weights = {"l.weight": w}
        if len(names) > 2 and names[2]:
            weights["l.bias"] = inputs[2]
        else:
            parts.append("bias=false")
        return "conv2d", parts, [0], weights
    if op in ("MaxPool", "AveragePool"):
        if len(node.output) > 1:
            raise NotCovered("MaxPool with indices")
        parts = window(attrs, True)
        if op == "AveragePool":
            parts.append("count_include_pad=" + ("true" if attrs.get("count_include_pad", 0) else "false"))
        if inputs[0].ndim != 4:
            raise NotCovered(f"{inputs[0].ndim - 2}-D pooling")
        return ("maxpool" if op == "MaxPool" else "avgpool"), parts, [0], {}
    if op in ("GlobalAveragePool", "GlobalMaxPool"):
        return ("global_avgpool" if op == "GlobalAveragePool" else "global_maxpool"), [], [0], {}
    simple = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "HardSwish": "hardswish"}
    if op in simple:
        return simple[op], [], [0], {}
    if op == "LeakyRelu":
        return "leaky_relu", [f"alpha={attrs.get('alpha', 0.01)!r}"], [0], {}
    if op in ("Softmax", "LogSoftmax"):
        if opset < 13:
            raise NotCovered("opset < 13 softmax flattens the input")
        return ("softmax" if op == "Softmax" else "log_softmax"), [f"axis={attrs.get('axis', -1)}"], [0], {}
    if op == "Clip":
        parts = []
        for i, key in ((1, "min"), (2, "max")):
            if len(names) > i and names[i]:
                parts.append(f"{key}={float(inputs[i])!r}")
        return "clip", parts, [0], {}
    if op in ("Add", "Mul"):
        if inputs[0].ndim != inputs[1].ndim:
            raise NotCovered("broadcast across ranks")
        return op.lower(), [], [0, 1], {}
    if op == "Concat":
        return "concat", [f"axis={attrs['axis']}"], list(range(len(inputs))), {}
    if op == "Flatten":
        if attrs.get("axis", 1) != 1:
            raise NotCovered(f"flatten axis {attrs.get('axis')}")
        return "flatten", [], [0], {}
    if op == "BatchNormalization":
        if attrs.get("training_mode", 0) or len(node.output) > 1:
            raise NotCovered("training mode")
        weights = {"l.weight": inputs[1], "l.bias": inputs[2], "l.running_mean": inputs[3], "l.running_var": inputs[4]}
        return "batchnorm", [f"eps={attrs.get('epsilon', 1e-5)!r}"], [0], weights
    if op == "Gemm":
        if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
            raise NotCovered("transA, alpha or beta")
        b = inputs[1] if attrs.get("transB", 0) else inputs[1].T
        weights = {"l.weight": np.ascontiguousarray(b)}
        parts = [f"units={b.shape[0]}"]
        if len(names) > 2 and names[2]:
            if inputs[2].shape != (b.shape[0],):
                raise NotCovered(f"bias of shape {list(inputs[2].shape)}")
            weights["l.bias"] = inputs[2]
        else:
            parts.append("bias=false")
        return "dense", parts, [0], weights
    raise NotCovered("op not in Kiln")


def run_case(directory, kiln, work):
    model = onnx.load(os.path.join(directory, "model.onnx"))
    if len(model.graph.node) != 1:
        raise NotCovered("more than one node")
    node = model.graph.node[0]
    opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    data = os.path.join(directory, "test_data_set_0")

    def load(kind, i):
        tensor = onnx.TensorProto()
        with open(os.path.join(data, f"{kind}_{i}.pb"), "rb") as f:
            tensor.ParseFromString(f.read())
        return numpy_helper.to_array(tensor)

    # Omitted optional inputs have empty names and no data file.
    inputs, k = [], 0
    for name in node.input:
        if name:
            inputs.append(load("input", k))
            k += 1
        else:
            inputs.append(None)
    present = [x for x in inputs if x is not None]
    if any(x.dtype != np.float32 for x in present):
        raise NotCovered("non-f32 tensors")
    expected = [load("output", i) for i in range(len(node.output))]
    op, parts, kiln_inputs, weights = convert(node, inputs, opset)

    lines = ["network onnx_case"]
    command = [kiln, "run", os.path.join(work, "net.kiln")]
    for i in kiln_inputs:
        lines.append(f"input x{i}: f32[{', '.join(map(str, inputs[i].shape))}]")
        save_npy(os.path.join(work, f"x{i}.npy"), inputs[i])
        command += ["--input", os.path.join(work, f"x{i}.npy")]
    lines.append(f"l = {op}({', '.join([f'x{i}' for i in kiln_inputs] + parts)})")
    lines.append("output l")
    with open(os.path.join(work, "net.kiln"), "w") as f:
        f.write("\n".join(lines) + "\n")
    if weights:
        save_safetensors(os.path.join(work, "w.safetensors"), weights)
        command += ["--weights", os.path.join(work, "w.safetensors")]
    command += ["--output", os.path.join(work, "y.npy")]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        return False, result.stderr.strip() + "\n    spec: " + lines[-2]
    actual = np.load(os.path.join(work, "y.npy"))
    if actual.shape != expected[0].shape:
        return False, f"shape {list(actual.shape)}, expected {list(expected[0].shape)}; spec: {lines[-2]}"
    if not np.all(np.isclose(actual, expected[0], 1e-4, 1e-5, equal_nan=True)):
        return False, f"max difference {np.nanmax(np.abs(actual - expected[0]))}; spec: {lines[-2]}"
    return True, lines[-2]


OPS = ["conv", "maxpool", "averagepool", "globalaveragepool", "globalmaxpool", "relu", "sigmoid", "tanh",
       "hardswish", "leakyrelu", "softmax", "logsoftmax", "clip", "add", "mul", "concat", "flatten", "batchnorm",
       "gemm"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--min-covered", type=int, default=1)
    args = parser.parse_args()
    cases = sorted(d for op in OPS for d in glob.glob(os.path.join(DATA, f"test_{op}*"))
                   if not d.endswith("_expanded"))
    passed, failed, skipped = [], [], []
    for directory in sorted(set(cases)):
        name = os.path.basename(directory)
        with tempfile.TemporaryDirectory() as work:
            try:
                ok, detail = run_case(directory, args.kiln, work)
            except NotCovered as reason:
                skipped.append(f"{name}: {reason}")
                continue
        (passed if ok else failed).append(f"{name}: {detail}")
    for line in passed:
        print("pass  " + line)
    for line in skipped:
        print("not covered  " + line)
    for line in failed:
        print("FAIL  " + line)
    print(f"{len(passed)} passed, {len(failed)} failed ({len(skipped)} cases not covered by Kiln's ops)")
    if len(passed) + len(failed) < args.min_covered:
        print(f"only {len(passed) + len(failed)} cases mapped, expected at least {args.min_covered}")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Imports an ONNX model into Kiln: a .kiln spec and a .safetensors of its weights.

    kiln import MODEL.onnx -o DIR [--name NAME] [--batch N]
    (or /usr/bin/python3 tools/import_onnx.py MODEL.onnx -o DIR ...)

Covers the ONNX ops that map to Kiln's layers: Conv, MaxPool, AveragePool,
GlobalAveragePool, GlobalMaxPool, Gemm and MatMul (as dense), Relu, Clip,
Sigmoid, Tanh, HardSwish, LeakyRelu, Add, Mul, Concat, Flatten and Reshape to
[N, -1], BatchNormalization, Softmax, LogSoftmax, Pad; Identity and Dropout
vanish. Shapes are inferred by Kiln's checker from the graph's input shapes
(a symbolic batch dimension becomes --batch). Anything else is an error that
names the node and its op. Written in Python with Debian's python3-onnx: its
parser and helpers follow ONNX itself, and Kiln's model tools are Python.
"""
import argparse
import os
import re
import sys

import numpy as np

try:
    import onnx
    from onnx import numpy_helper
except ImportError:
    sys.exit("error: kiln import needs python3-onnx (apt-get install python3-onnx)")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiln_io import save_network  # noqa: E402


class Unsupported(Exception):
    pass


def kiln_name(text):
    """A valid Kiln name for an ONNX name: '/layer1/layer1.0/conv1/Conv' ->
    'layer1.layer1.0.conv1.Conv'."""
    text = re.sub(r"[^A-Za-z0-9_.]", "_", text.strip("/").replace("/", "."))
    text = re.sub(r"\.+", ".", text).strip(".") or "t"
    return text if re.match(r"[A-Za-z_]", text) else "t_" + text


def label(node):
    """How messages name a node: its name, or its first output's."""
    return f"'{node.name}'" if node.name else f"with output '{node.output[0]}'"


def pair_text(values):
    values = list(values)
    return str(values[0]) if values[0] == values[1] else f"({values[0]}, {values[1]})"


class Importer:
    def __init__(self, model, batch):
        # ONNX's shape inference gives every tensor's rank, which decides what
        # maps (Kiln's checker infers the shapes themselves from the inputs).
        model = onnx.shape_inference.infer_shapes(model)
        self.graph = model.graph
        self.ranks = {v.name: len(v.type.tensor_type.shape.dim)
                      for v in list(self.graph.input) + list(self.graph.value_info) + list(self.graph.output)
                      if v.type.tensor_type.HasField("shape")}
        self.opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=13)
        self.batch = batch
        self.constants = {i.name: numpy_helper.to_array(i) for i in self.graph.initializer}
        self.tensors = {}  # ONNX tensor name -> Kiln layer name
        self.lines, self.weights, self.used = [], {}, set()

    def constant(self, node, index, what):
        name = node.input[index] if index < len(node.input) else ""
        if not name:
            return None
        if name not in self.constants:
            raise Unsupported(f"node {label(node)} ({node.op_type}): its {what} must be a constant")
        return self.constants[name]

    def operand(self, node, name):
        if name in self.constants:
            raise Unsupported(f"node {label(node)} ({node.op_type}) with a constant operand '{name}'")
        return self.tensors[name]

    def define(self, node, op, operands, attrs=()):
        base = kiln_name(node.name or node.output[0])
        name, n = base, 1
        while name in self.used:
            n += 1
            name = f"{base}_{n}"
        self.used.add(name)
        self.lines.append(f"{name} = {op}({', '.join([self.operand(node, o) for o in operands] + list(attrs))})")
        self.tensors[node.output[0]] = name
        return name

    def run(self, network):
        for value in self.graph.input:
            if value.name in self.constants:
                continue
            dims = []
            for d in value.type.tensor_type.shape.dim:
                dims.append(d.dim_value if d.dim_value > 0 else self.batch)
            if value.type.tensor_type.elem_type != onnx.TensorProto.FLOAT:
                raise Unsupported(f"input '{value.name}' is not float32")
            name = kiln_name(value.name)
            self.used.add(name)
            self.tensors[value.name] = name
            self.lines.append(f"input {name}: f32[{', '.join(map(str, dims))}]")
        for node in self.graph.node:
            self.node(node)
        outputs = [self.tensors[o.name] for o in self.graph.output]
        self.lines.append("output " + ", ".join(outputs))
        return f"network {network}\n" + "\n".join(self.lines) + "\n", self.weights

    def node(self, node):
        op = node.op_type
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if op == "Constant":
            self.constants[node.output[0]] = numpy_helper.to_array(attrs["value"])
        elif op in ("Identity", "Dropout"):  # of a tensor or of a constant
            if node.input[0] in self.constants:
                self.constants[node.output[0]] = self.constants[node.input[0]]
            else:
                self.tensors[node.output[0]] = self.tensors[node.input[0]]
        elif op == "Conv":
            w = self.constant(node, 1, "weight")
            if w.ndim != 4:
                raise Unsupported(f"node {label(node)} (Conv): {w.ndim - 2}-D convolution")
            parts = [f"filters={w.shape[0]}", f"kernel={pair_text(attrs.get('kernel_shape', w.shape[2:]))}",
                     f"groups={attrs.get('group', 1)}"] + self.window(node, attrs)
            b = self.constant(node, 2, "bias")
            parts.append(f"bias={'true' if b is not None else 'false'}")
            name = self.define(node, "conv2d", [node.input[0]], parts)
            self.weights[name + ".weight"] = w
            if b is not None:
                self.weights[name + ".bias"] = b
        elif op in ("MaxPool", "AveragePool"):
            if len(node.output) > 1 and node.output[1]:
                raise Unsupported(f"node {label(node)} (MaxPool with indices)")
            if len(attrs["kernel_shape"]) != 2:
                raise Unsupported(f"node {label(node)} ({op}): {len(attrs['kernel_shape'])}-D pooling")
            parts = [f"kernel={pair_text(attrs['kernel_shape'])}"] + self.window(node, attrs)
            if attrs.get("ceil_mode", 0):
                parts.append("ceil_mode=true")
            if op == "AveragePool":
                parts.append(f"count_include_pad={'true' if attrs.get('count_include_pad', 0) else 'false'}")
            self.define(node, "maxpool" if op == "MaxPool" else "avgpool", [node.input[0]], parts)
        elif op in ("GlobalAveragePool", "GlobalMaxPool"):
            self.define(node, "global_avgpool" if op == "GlobalAveragePool" else "global_maxpool", [node.input[0]])
        elif op in ("Gemm", "MatMul"):
            self.dense(node, op, attrs)
        elif op in ("Relu", "Sigmoid", "Tanh", "HardSwish"):
            self.define(node, {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "HardSwish": "hardswish"}[op],
                        [node.input[0]])
        elif op == "LeakyRelu":
            self.define(node, "leaky_relu", [node.input[0]], [f"alpha={attrs.get('alpha', 0.01)!r}"])
        elif op == "Clip":
            low = attrs.get("min") if self.opset < 11 else self.constant(node, 1, "min")
            high = attrs.get("max") if self.opset < 11 else self.constant(node, 2, "max")
            parts = ([f"min={float(low)!r}"] if low is not None else []) + ([f"max={float(high)!r}"] if high is not None else [])
            self.define(node, "clip", [node.input[0]], parts)
        elif op in ("Add", "Mul"):
            ranks = [self.ranks.get(name) for name in node.input]
            if None not in ranks and ranks[0] != ranks[1]:
                raise Unsupported(f"node {label(node)} ({op} broadcasting a rank-{ranks[1]} operand to rank "
                                  f"{ranks[0]}; Kiln broadcasts between equal ranks)")
            self.define(node, op.lower(), list(node.input))
        elif op == "Concat":
            self.define(node, "concat", list(node.input), [f"axis={attrs['axis']}"])
        elif op == "Flatten":
            if attrs.get("axis", 1) != 1:
                raise Unsupported(f"node {label(node)} (Flatten with axis {attrs.get('axis')}); Kiln flattens from axis 1")
            self.define(node, "flatten", [node.input[0]])
        elif op == "Reshape":
            shape = list(self.constant(node, 1, "shape"))
            if len(shape) != 2 or shape[1] != -1 or shape[0] not in (0, self.batch):
                raise Unsupported(f"node {label(node)} (Reshape to {shape}); Kiln reshapes only to [N, -1] (flatten)")
            self.define(node, "flatten", [node.input[0]])
        elif op == "BatchNormalization":
            if attrs.get("training_mode", 0) or (len(node.output) > 1 and any(node.output[1:])):
                raise Unsupported(f"node {label(node)} (BatchNormalization in training mode)")
            name = self.define(node, "batchnorm", [node.input[0]], [f"eps={attrs.get('epsilon', 1e-5)!r}"])
            for key, index in (("weight", 1), ("bias", 2), ("running_mean", 3), ("running_var", 4)):
                self.weights[f"{name}.{key}"] = self.constant(node, index, key)
        elif op in ("Softmax", "LogSoftmax"):
            if self.opset < 13:
                raise Unsupported(f"node {label(node)} ({op} before opset 13 flattens its input)")
            self.define(node, op.lower().replace("logsoftmax", "log_softmax"), [node.input[0]],
                        [f"axis={attrs.get('axis', -1)}"])
        elif op == "Pad":
            self.pad(node, attrs)
        else:
            raise Unsupported(f"node {label(node)} (op {op}) has no Kiln layer")

    def window(self, node, attrs):
        parts = [f"stride={pair_text(attrs.get('strides', [1, 1]))}"]
        if "dilations" in attrs:
            parts.append(f"dilation={pair_text(attrs['dilations'])}")
        auto_pad = attrs.get("auto_pad", b"NOTSET").decode()
        if auto_pad == "SAME_UPPER":
            parts.append("padding=same")
        elif auto_pad == "VALID":
            parts.append("padding=valid")
        elif auto_pad != "NOTSET":
            raise Unsupported(f"node {label(node)} ({node.op_type} with auto_pad={auto_pad})")
        elif "pads" in attrs:
            parts.append("padding=({}, {}, {}, {})".format(*attrs["pads"]))
        return parts

    def dense(self, node, op, attrs):
        w = self.constant(node, 1, "weight")
        if w.ndim != 2 or attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
            raise Unsupported(f"node {label(node)} ({op} other than x W^T + b with a constant 2-D W)")
        weight = w if attrs.get("transB", 0) else w.T  # Kiln's dense weight is [units, F]
        b = self.constant(node, 2, "bias") if op == "Gemm" else None
        if b is not None:
            if b.size != weight.shape[0]:
                raise Unsupported(f"node {label(node)} (Gemm with a bias of shape {list(b.shape)})")
            b = b.reshape(-1)
        name = self.define(node, "dense", [node.input[0]],
                           [f"units={weight.shape[0]}", f"bias={'true' if b is not None else 'false'}"])
        self.weights[name + ".weight"] = np.ascontiguousarray(weight)
        if b is not None:
            self.weights[name + ".bias"] = b

    def pad(self, node, attrs):
        if attrs.get("mode", b"constant").decode() != "constant":
            raise Unsupported(f"node {label(node)} (Pad in {attrs['mode'].decode()} mode)")
        pads = list(attrs["pads"]) if self.opset < 11 else list(self.constant(node, 1, "pads"))
        value = attrs.get("value", 0.0) if self.opset < 11 else self.constant(node, 2, "value")
        rank = len(pads) // 2
        if rank < 2 or any(pads[:rank - 2]) or any(pads[rank:2 * rank - 2]):
            raise Unsupported(f"node {label(node)} (Pad of dimensions other than the last two)")
        parts = [f"padding=({pads[rank - 2]}, {pads[rank - 1]}, {pads[2 * rank - 2]}, {pads[2 * rank - 1]})"]
        if value is not None:
            parts.append(f"value={float(value)!r}")
        self.define(node, "pad", [node.input[0]], parts)


def main():
    parser = argparse.ArgumentParser(prog="kiln import", description=__doc__.split("\n")[0])
    parser.add_argument("model", help="MODEL.onnx")
    parser.add_argument("-o", "--output", required=True, help="directory for NAME.kiln and NAME.safetensors")
    parser.add_argument("--name", help="network name (default: the file's)")
    parser.add_argument("--batch", type=int, default=1, help="the batch size where the model leaves it open")
    args = parser.parse_args()
    network = args.name or re.sub(r"\W", "_", os.path.splitext(os.path.basename(args.model))[0])
    try:
        model = onnx.load(args.model)
    except Exception as e:  # noqa: BLE001 - onnx raises many kinds for a bad file
        print(f"{args.model}: error: not a readable ONNX model ({type(e).__name__}: {e})", file=sys.stderr)
        return 1
    try:
        spec, weights = Importer(model, args.batch).run(network)
    except Unsupported as e:
        print(f"{args.model}: error: {e}", file=sys.stderr)
        return 1
    save_network(args.output, network, spec, {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())

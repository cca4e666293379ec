#!/usr/bin/python3
"""Quantized ONNX models and ONNX Runtime's outputs for them, kept as test data.

    /usr/bin/python3 tests/import/quantized/make_models.py --onnxruntime DIR   (rewrites models/)

DIR holds node_modules/onnxruntime-node (npm install --ignore-scripts
onnxruntime-node). Each model is small and made here by hand, as ONNX
Runtime's quantizer writes them: weights s8 per output channel (symmetric),
activations u8 or s8 per tensor, biases s32 at the input's times the
weight's scale. models/NAME.onnx is the model, NAME.input.npy its input and
NAME.ort.npy ONNX Runtime's output (its CPU provider, every optimization on:
it runs them as int8 kernels); NAME.step.npy the output's quantization step.
check_quantized.py replays them through kiln import and kiln run.
"""
import argparse
import json
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
RNG = np.random.default_rng(7)


class Graph:
    """A graph under construction: nodes, initializers and unique tensor names."""

    def __init__(self):
        self.nodes, self.inits, self.count = [], [], 0

    def name(self, base):
        self.count += 1
        return f"{base}_{self.count}"

    def const(self, base, value):
        name = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(self, op, inputs, **attrs):
        out = self.name(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=out, **attrs))
        return out

    # --- QDQ form: float ops between QuantizeLinear/DequantizeLinear pairs ---
    def qdq(self, x, scale, zero, signed=False):
        zero = np.int8(zero) if signed else np.uint8(zero)
        s, z = self.const("scale", np.float32(scale)), self.const("zero", zero)
        return self.node("DequantizeLinear", [self.node("QuantizeLinear", [x, s, z]), s, z])

    def weight(self, w):
        """w quantized to s8 per output channel (symmetric), and its scales."""
        scale = (np.abs(w.reshape(w.shape[0], -1)).max(1) / 127).astype(np.float32)
        q = np.clip(np.rint(w / scale.reshape(-1, *[1] * (w.ndim - 1))), -127, 127).astype(np.int8)
        return q, scale

    def conv_qdq(self, x, x_scale, cin, cout, k, pad=0, stride=1, group=1):
        q, w_scale = self.weight(RNG.normal(0, 0.3, (cout, cin // group, k, k)).astype(np.float32))
        w = self.node("DequantizeLinear", [self.const("w", q), self.const("w_scale", w_scale),
                                           self.const("w_zero", np.zeros(cout, np.int8))], axis=0)
        bias = np.rint(RNG.normal(0, 0.2, cout) / (x_scale * w_scale)).astype(np.int32)
        b = self.node("DequantizeLinear", [self.const("b", bias), self.const("b_scale", x_scale * w_scale),
                                           self.const("b_zero", np.zeros(cout, np.int32))], axis=0)
        return self.node("Conv", [x, w, b], kernel_shape=[k, k], pads=[pad] * 4, strides=[stride] * 2, group=group)

    # --- operator form: QLinearConv, QLinearMatMul on 8-bit tensors ---
    def qlinear_conv(self, x, x_q, y_q, cin, cout, k, pad=0):
        q, w_scale = self.weight(RNG.normal(0, 0.3, (cout, cin, k, k)).astype(np.float32))
        bias = np.rint(RNG.normal(0, 0.2, cout) / (x_q[0] * w_scale)).astype(np.int32)
        inputs = [x, self.const("x_scale", np.float32(x_q[0])), self.const("x_zero", np.uint8(x_q[1])),
                  self.const("w", q), self.const("w_scale", w_scale), self.const("w_zero", np.zeros(cout, np.int8)),
                  self.const("y_scale", np.float32(y_q[0])), self.const("y_zero", np.uint8(y_q[1])),
                  self.const("b", bias)]
        return self.node("QLinearConv", inputs, kernel_shape=[k, k], pads=[pad] * 4)

    def model(self, x, shape, y, y_shape):
        graph = helper.make_graph(self.nodes, "quantized", [helper.make_tensor_value_info(x, TensorProto.FLOAT, shape)],
                                  [helper.make_tensor_value_info(y, TensorProto.FLOAT, y_shape)], self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        m.ir_version = 7
        onnx.checker.check_model(m)
        return m


def qdq_residual():
    """A residual block in QDQ form (ONNX Runtime's default): u8 and s8
    activations, a 3x3 and a 1x1 conv with Relu, the Add of the shortcut,
    a max pool, the global average and a Gemm, its output on an s8 grid."""
    g = Graph()
    x = g.qdq("x", 0.025, 128)
    a = g.qdq(g.node("Relu", [g.conv_qdq(x, np.float32(0.025), 16, 32, 3, pad=1)]), 0.02, 0)
    b = g.qdq(g.conv_qdq(a, np.float32(0.02), 32, 16, 1), 0.03, 3, signed=True)
    s = g.qdq(g.node("Relu", [g.node("Add", [b, x])]), 0.035, 0)
    p = g.node("MaxPool", [s], kernel_shape=[2, 2], strides=[2, 2])
    f = g.qdq(g.node("Flatten", [g.node("GlobalAveragePool", [p])]), 0.01, 0)
    q, w_scale = g.weight(RNG.normal(0, 0.3, (10, 16)).astype(np.float32))
    w = g.node("DequantizeLinear", [g.const("fc", q), g.const("fc_scale", w_scale),
                                    g.const("fc_zero", np.zeros(10, np.int8))], axis=0)
    y = g.qdq(g.node("Gemm", [f, w, g.const("fc_bias", RNG.normal(0, 0.1, 10).astype(np.float32))], transB=1),
              0.004, 0, signed=True)
    return g.model("x", [1, 16, 14, 14], y, [1, 10]), 0.004


def qlinear_ops():
    """The operator form: QuantizeLinear, two QLinearConv with a u8 max pool
    between, a u8 Flatten, QLinearMatMul, DequantizeLinear."""
    g = Graph()
    x = g.node("QuantizeLinear", ["x", g.const("scale", np.float32(0.03)), g.const("zero", np.uint8(120))])
    c = g.qlinear_conv(x, (0.03, 120), (0.04, 10), 8, 16, 3, pad=1)
    p = g.node("MaxPool", [c], kernel_shape=[2, 2], strides=[2, 2])
    d = g.qlinear_conv(p, (0.04, 10), (0.05, 0), 16, 8, 1)
    f = g.node("Flatten", [d])
    q, w_scale = g.weight(RNG.normal(0, 0.2, (12, 8 * 5 * 5)).astype(np.float32))
    m = g.node("QLinearMatMul", [f, g.const("f_scale", np.float32(0.05)), g.const("f_zero", np.uint8(0)),
                                 g.const("m", np.ascontiguousarray(q.T)), g.const("m_scale", np.float32(w_scale.max())),
                                 g.const("m_zero", np.int8(0)), g.const("y_scale", np.float32(0.02)),
                                 g.const("y_zero", np.uint8(128))])
    y = g.node("DequantizeLinear", [m, g.const("y_scale", np.float32(0.02)), g.const("y_zero", np.uint8(128))])
    return g.model("x", [1, 8, 10, 10], y, [1, 12]), 0.02


def qdq_features():
    """A 3x3 conv with Relu, a depthwise 3x3 (f32 in Kiln's int8) and a 1x1
    conv, its whole feature map the output: 4,704 values on an s8 grid."""
    g = Graph()
    x = g.qdq("x", 0.03, 100)
    a = g.qdq(g.node("Relu", [g.conv_qdq(x, np.float32(0.03), 16, 32, 3, pad=1)]), 0.025, 0)
    d = g.qdq(g.conv_qdq(a, np.float32(0.025), 32, 32, 3, pad=1, group=32), 0.04, -10, signed=True)
    y = g.qdq(g.conv_qdq(d, np.float32(0.04), 32, 24, 1), 0.05, 0, signed=True)
    return g.model("x", [1, 16, 14, 14], y, [1, 24, 14, 14]), 0.05


MODELS = {"qdq_residual": qdq_residual, "qlinear_ops": qlinear_ops, "qdq_features": qdq_features}

RUN_ORT = """
const ort = require("onnxruntime-node");
const [model, shape, input, output, level] = process.argv.slice(1);  // node -e SCRIPT ARGS: argv[0] is node
const fs = require("fs");
(async () => {
  const session = await ort.InferenceSession.create(model, {intraOpNumThreads: 1, graphOptimizationLevel: level});
  const bytes = fs.readFileSync(input);
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const result = await session.run({[session.inputNames[0]]: new ort.Tensor("float32", data, JSON.parse(shape))});
  const y = result[session.outputNames[0]];
  fs.writeFileSync(output, Buffer.from(y.data.buffer));
  console.log(JSON.stringify(y.dims));
})().catch((e) => { console.error(e.message); process.exit(1); });
"""


def run_ort(ort_dir, path, x, optimizations="all"):
    """ONNX Runtime's output of the model at `path` for `x` (DIR/node_modules/onnxruntime-node), with its
    graph optimizations ("all": int8 kernels for a quantized model; "disabled": its float execution)."""
    raw = path + ".in.raw"
    x.astype(np.float32).tofile(raw)
    env = dict(os.environ, NODE_PATH=os.path.join(ort_dir, "node_modules"))
    run = subprocess.run(["node", "-e", RUN_ORT, path, json.dumps(list(x.shape)), raw, path + ".out.raw",
                          optimizations], env=env, capture_output=True, text=True)
    if run.returncode:
        sys.exit(f"{path}: ONNX Runtime failed: {run.stderr.strip()}")
    dims = run.stdout
    y = np.fromfile(path + ".out.raw", dtype=np.float32).reshape(json.loads(dims))
    os.remove(raw)
    os.remove(path + ".out.raw")
    return y


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--onnxruntime", required=True, help="the folder of node_modules/onnxruntime-node")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    for name, make in MODELS.items():
        model, step = make()
        path = os.path.join(OUT, name + ".onnx")
        onnx.save(model, path)
        shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
        x = RNG.normal(0, 1.2, shape).astype(np.float32)
        np.save(os.path.join(OUT, name + ".input.npy"), x)
        np.save(os.path.join(OUT, name + ".ort.npy"), run_ort(args.onnxruntime, path, x))
        np.save(os.path.join(OUT, name + ".step.npy"), np.float32(step))
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

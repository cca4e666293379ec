#!/usr/bin/python3
"""Quantizes an f32 ONNX CNN into QDQ form, as ONNX Runtime's quantize_static
writes it by default (QDQ format, activations u8 asymmetric per tensor,
weights s8 symmetric per output channel, biases s32), for benchmarks: ONNX
Runtime's Python quantizer is not packaged for Debian.

    python3 benchmarks/qdq_model.py MODEL.onnx --calibrate X.npy -o MODEL_qdq.onnx --onnxruntime DIR

The range of every tensor a Conv, Gemm, Relu, Clip, Add, pool or Flatten
writes (and of the input) is the min/max over the calibration samples, run
by ONNX Runtime (node_modules/onnxruntime-node under DIR); each such tensor
gets a QuantizeLinear/DequantizeLinear pair, each Conv and Gemm weight and
bias a DequantizeLinear of its quantized constant.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QUANTIZED_OUTPUTS = ("Conv", "Gemm", "Relu", "Clip", "Add", "MaxPool", "AveragePool", "GlobalAveragePool", "Flatten")

RANGES = """
const ort = require("onnxruntime-node");
const fs = require("fs");
const [model, samples, shape] = process.argv.slice(1);  // node -e SCRIPT ARGS: argv[0] is node
(async () => {
  const session = await ort.InferenceSession.create(model, {intraOpNumThreads: 2});
  const dims = JSON.parse(shape), size = dims.slice(1).reduce((a, b) => a * b, 1);
  const bytes = fs.readFileSync(samples);
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  const ranges = {};
  for (let s = 0; s * size < all.length; ++s) {
    const x = new ort.Tensor("float32", all.slice(s * size, (s + 1) * size), [1, ...dims.slice(1)]);
    const out = await session.run({[session.inputNames[0]]: x});
    for (const [name, t] of Object.entries(out)) {
      let [lo, hi] = ranges[name] || [Infinity, -Infinity];
      for (const v of t.data) { if (v < lo) lo = v; if (v > hi) hi = v; }
      ranges[name] = [lo, hi];
    }
  }
  console.log(JSON.stringify(ranges));
})().catch((e) => { console.error(e.message); process.exit(1); });
"""


def calibrate(model, samples, ort_dir):
    """{tensor: (min, max)} of the input and of every tensor a QUANTIZED_OUTPUTS node writes, by ONNX Runtime."""
    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    known = {o.name for o in probe.graph.output}
    for node in probe.graph.node:
        if node.op_type in QUANTIZED_OUTPUTS and node.output[0] not in known:
            probe.graph.output.append(helper.make_tensor_value_info(node.output[0], TensorProto.FLOAT, None))
    x = probe.graph.input[0].name
    probe.graph.output.append(helper.make_tensor_value_info(x + "_copy", TensorProto.FLOAT, None))
    probe.graph.node.append(helper.make_node("Identity", [x], [x + "_copy"]))
    with tempfile.TemporaryDirectory() as work:
        path, raw = os.path.join(work, "probe.onnx"), os.path.join(work, "samples.raw")
        onnx.save(probe, path)
        samples.astype(np.float32).tofile(raw)
        run = subprocess.run(["node", "-e", RANGES, path, raw, json.dumps(list(samples.shape))], capture_output=True,
                             text=True, env=dict(os.environ, NODE_PATH=os.path.join(ort_dir, "node_modules")))
    if run.returncode:
        sys.exit(f"qdq_model: ONNX Runtime failed: {run.stderr.strip()}")
    ranges = json.loads(run.stdout)
    ranges[x] = ranges.pop(x + "_copy")
    return ranges


def activation_grid(lo, hi):
    """u8 scale and zero point of [lo, hi] widened to hold 0, as ONNX Runtime's quantizer computes them."""
    lo, hi = min(lo, 0.0), max(hi, 0.0)
    scale = np.float32((hi - lo) / 255 if hi > lo else 1.0)
    return scale, np.uint8(np.clip(np.rint(-lo / scale), 0, 255))


def quantize(model, ranges):
    """The QDQ model: a QuantizeLinear/DequantizeLinear pair on every tensor of `ranges`, weights and biases dequantized."""
    graph = model.graph
    inits = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    added, nodes = [], []

    def constant(name, value):
        added.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    grids = {}

    def qdq(tensor, target):
        """Q -> DQ of `tensor` into `target`."""
        scale, zero = activation_grid(*ranges[tensor])
        grids[target] = float(scale)
        s, z = constant(tensor + "_scale", scale), constant(tensor + "_zero", zero)
        nodes.append(helper.make_node("QuantizeLinear", [tensor, s, z], [tensor + "_q"]))
        nodes.append(helper.make_node("DequantizeLinear", [tensor + "_q", s, z], [target]))

    def weights(node):
        """The weight and bias of a Conv or Gemm (transB=1) as DequantizeLinear of s8 and s32 constants."""
        w = inits[node.input[1]]
        w_scale = (np.abs(w.reshape(w.shape[0], -1)).max(1) / 127).astype(np.float32)
        w_scale[w_scale == 0] = 1
        q = np.clip(np.rint(w / w_scale.reshape(-1, *[1] * (w.ndim - 1))), -127, 127).astype(np.int8)
        base = node.input[1]
        nodes.append(helper.make_node("DequantizeLinear", [constant(base + "_q", q), constant(base + "_s", w_scale),
                                                          constant(base + "_z", np.zeros(len(w_scale), np.int8))],
                                      [base + "_dq"], axis=0))
        node.input[1] = base + "_dq"
        if len(node.input) > 2 and node.input[2]:
            b_scale = (w_scale * np.float32(activation_grid(*ranges[source[node.input[0]]])[0])).astype(np.float32)
            b = inits[node.input[2]]
            base = node.input[2]
            nodes.append(helper.make_node(
                "DequantizeLinear", [constant(base + "_q", np.rint(b / b_scale).astype(np.int32)),
                                     constant(base + "_s", b_scale), constant(base + "_z", np.zeros(len(b), np.int32))],
                [base + "_dq"], axis=0))
            node.input[2] = base + "_dq"

    outputs = {o.name for o in graph.output}
    renamed = {}  # tensor -> its dequantized copy, read by every later node
    source = {}  # dequantized copy -> the tensor it quantizes (for bias scales)
    x = graph.input[0].name
    qdq(x, x + "_dq")
    renamed[x], source[x + "_dq"] = x + "_dq", x
    for node in graph.node:
        for i, name in enumerate(node.input):
            node.input[i] = renamed.get(name, name)
        if node.op_type in ("Conv", "Gemm") and node.input[1] in inits:
            weights(node)
        nodes.append(node)
        out = node.output[0]
        if out in ranges and node.op_type in QUANTIZED_OUTPUTS:
            if out in outputs:  # the model's output keeps its name, after the pair
                node.output[0] = out + "_f"
                ranges[out + "_f"] = ranges[out]
                qdq(out + "_f", out)
            else:
                qdq(out, out + "_dq")
                renamed[out], source[out + "_dq"] = out + "_dq", out
    del graph.node[:]
    graph.node.extend(nodes)
    used = {i for n in nodes for i in n.input}
    kept = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept + added)
    return model, grids


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model")
    parser.add_argument("--calibrate", required=True, help="samples stacked along the first axis (.npy)")
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--onnxruntime", required=True, help="the folder of node_modules/onnxruntime-node")
    args = parser.parse_args()
    model = onnx.load(args.model)
    quantized, _ = quantize(model, calibrate(model, np.load(args.calibrate), args.onnxruntime))
    onnx.save(quantized, args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""One network of the model zoo kernel by kernel: Kiln's against ONNX Runtime's nodes.

    /usr/bin/python3 benchmarks/layers_vs_onnxruntime.py --kiln build/bin/kiln --model mnasnet1_0 [--rows 30]

The model is exported and imported as benchmarks/networks.py does (opset 13,
batch 1). `kiln bench` times each kernel (median); ONNX Runtime runs with its
profiler on (benchmarks/ort_bench.js with a profile prefix, 2 threads),
each node's median over the runs. An ONNX Runtime node counts towards the
Kiln kernel that computes the layer of its name (a fused node's name less its
suffix: a SiLU's QuickGelu, which ONNX Runtime keeps apart from the Conv
before it), so a kernel's column sums its nodes; rows are sorted by how
much longer Kiln takes, so the kernels to work on come first.
ONNX Runtime's nodes no Kiln kernel matches (a layer Kiln fused otherwise,
its layout reorders) are listed after. A diagnostic for issue 20, not a
benchmark of record: quote benchmarks/networks.py for whole networks.
"""
import argparse
import collections
import glob
import json
import os
import re
import statistics
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from networks import export_and_import, install_onnxruntime, time_ort  # noqa: E402
from zoo import ZOO, run  # noqa: E402  (networks puts tests/zoo on the path)
from kiln_io import kiln_name  # noqa: E402  (and tools/)


def onnx_output_name(event_name):
    """'/layers/layers.8/Relu_output_0_nchwc_kernel_time' -> 'layers.layers.8.Relu', Kiln's name of that tensor
    (as the importer names it: '/block1-0/Relu...' -> 'block1_0.Relu')."""
    name = re.sub(r"_kernel_time$", "", event_name)
    return kiln_name(re.sub(r"_output_0(_nchwc)?$", "", name))


def onnxruntime_nodes(node_path, onnx_path, shape, runs, work):
    median_ms = time_ort(node_path, onnx_path, shape, 0, runs, os.path.join(work, "ort"))
    (profile,) = glob.glob(os.path.join(work, "ort_*.json"))
    with open(profile) as f:
        events = json.load(f)
    times = collections.defaultdict(list)
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            times[(onnx_output_name(e["name"]), e["args"].get("op_name", "?"))].append(e["dur"] / 1000)
    return median_ms, {key: statistics.median(v) for key, v in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--model", required=True, help="a zoo name (tests/zoo/zoo.py --list)")
    parser.add_argument("--runs", type=int, default=50, help="ONNX Runtime's profiled runs")
    parser.add_argument("--rows", type=int, default=0, help="print only this many kernels (0: all)")
    parser.add_argument("--onnxruntime", default=os.path.join(HERE, "..", "build", "benchmarks", "onnxruntime"),
                        help="where npm installs onnxruntime-node")
    args = parser.parse_args()
    if args.model not in ZOO:
        parser.error(f"not in the zoo: {args.model}")
    node_path = install_onnxruntime(os.path.abspath(args.onnxruntime))
    with tempfile.TemporaryDirectory() as work:
        _, x, onnx_path = export_and_import(args.model, 1, args.kiln, work)
        kiln = json.loads(run([args.kiln, "bench", os.path.join(work, "net.kiln"), "--weights",
                               os.path.join(work, "net.safetensors"), "--json"], "kiln bench").stdout)
        ort_ms, nodes = onnxruntime_nodes(node_path, onnx_path, x.shape, args.runs, work)
    # ONNX Runtime's node for a layer a Kiln kernel fused (a SiLU's QuickGelu,
    # the Conv before it) counts towards that kernel.
    kernel_of = {layer: kernel["name"] for kernel in kiln["layers"] for layer in re.split(r"[+\s]+", kernel["layers"])}
    ort_of, unmatched = collections.defaultdict(list), {}
    for (name, op), ms in nodes.items():
        layer = name if name in kernel_of else name.rsplit(".", 1)[0]  # 'X.Mul.QuickGeluFusion' -> 'X.Mul'
        if layer in kernel_of:
            ort_of[kernel_of[layer]].append(ms)
        else:
            unmatched[name] = (ms, op)
    rows = []
    for kernel in kiln["layers"]:
        ort = sum(ort_of[kernel["name"]]) if kernel["name"] in ort_of else None
        rows.append((kernel["ms"] - (ort or 0), kernel["ms"], ort, kernel["op"], kernel["name"]))
    rows.sort(key=lambda r: -r[0])
    print(f"{args.model}: Kiln {kiln['total_ms']:.3f} ms (median run), ONNX Runtime {ort_ms:.3f} ms "
          f"(median of {args.runs} profiled runs; its node medians sum to {sum(nodes.values()):.3f})")
    print(f"{'kiln ms':>8} {'ort ms':>8} {'kiln-ort':>9}  {'op':22} kernel")
    for diff, ms, ort, op, name in rows[: args.rows or len(rows)]:
        print(f"{ms:8.4f} {ort if ort is not None else float('nan'):8.4f} {diff:+9.4f}  {op:22} {name[:100]}")
    if unmatched:
        print("ONNX Runtime's nodes matching no layer of a Kiln kernel:")
        for name, (ms, op) in sorted(unmatched.items(), key=lambda item: -item[1][0]):
            print(f"         {ms:8.4f}            {op:22} {name[:100]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

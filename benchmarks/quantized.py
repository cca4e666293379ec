#!/usr/bin/python3
"""Quantized networks: Kiln's int8 against ONNX Runtime's and PyTorch's.

    benchmarks/quantized.sh [--models resnet50,mobilenet_v2] [--out DIR]

Each model (as benchmarks/networks.py makes it: torchvision, random weights,
randomized batchnorm, ONNX opset 13) is quantized into QDQ form by
benchmarks/qdq_model.py (calibrated by ONNX Runtime on 8 random inputs, seed
1) and imported with `kiln import`. Then, in turns: ONNX Runtime on the f32
and the QDQ model, PyTorch's own quantized model where torchvision has one
(torchvision.models.quantization, eager mode, the `onednn` engine: Debian's
PyTorch 1.13 has no fbgemm; calibrated on the same inputs), Kiln on the f32
import and with `--precision int8` on the QDQ import, ONNX Runtime and PyTorch
again (each keeps the faster of its two medians). A ninth input's outputs:
Kiln's int8 against ONNX Runtime's int8, in steps of the output's grid, and
ONNX Runtime's own float execution of the QDQ model (optimizations off)
against its int8 one, for scale. Writes quantized.json and quantized.md to --out.
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import onnx
import torch
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "import", "quantized"))
from compare_with_pytorch import torch_latency_ms  # noqa: E402
from kiln_io import save_npy  # noqa: E402
from make_models import run_ort  # noqa: E402
from networks import export_and_import, install_onnxruntime, run, time_ort, write_results  # noqa: E402
from qdq_model import calibrate, quantize  # noqa: E402

def pytorch_quantized(name, samples):
    """torchvision's quantizable model (seed 0), fused, calibrated and converted for the onednn engine; or None."""
    factory = getattr(torchvision.models.quantization, name, None)
    if factory is None or "onednn" not in torch.backends.quantized.supported_engines:
        return None
    torch.backends.quantized.engine = "onednn"
    torch.manual_seed(0)
    model = factory(weights=None, quantize=False).eval()
    model.fuse_model()
    model.qconfig = torch.ao.quantization.get_default_qconfig("onednn")
    torch.ao.quantization.prepare(model, inplace=True)
    with torch.no_grad():
        for s in samples:
            model(s[None])
    return torch.ao.quantization.convert(model)


def time_kiln(kiln, spec, weights, seconds, extra=()):
    done = run([kiln, "bench", spec, "--weights", weights, "--json", "--min-time", str(seconds)] + list(extra),
               "kiln bench")
    return json.loads(done.stdout)["total_ms"]


def measure(name, args, node_path, work):
    model, x, onnx_path = export_and_import(name, 1, args.kiln, work)
    torch.manual_seed(1)
    samples = torch.randn(9, *x.shape[1:])
    qdq_path = os.path.join(work, "qdq.onnx")
    ranges = calibrate(onnx.load(onnx_path), samples[:8].numpy(), os.path.dirname(node_path))
    qdq, grids = quantize(onnx.load(onnx_path), ranges)
    onnx.save(qdq, qdq_path)
    run([args.kiln, "import", qdq_path, "-o", work, "--name", "qnet"], "import")
    f32 = (os.path.join(work, "net.kiln"), os.path.join(work, "net.safetensors"))
    int8 = (os.path.join(work, "qnet.kiln"), os.path.join(work, "qnet.safetensors"))

    test = samples[8:].numpy()
    save_npy(os.path.join(work, "test.npy"), test)
    output = next(line.split()[1] for line in open(int8[0]) if line.startswith("output "))
    kiln_y = os.path.join(work, "kiln_int8.npy")
    run([args.kiln, "run", int8[0], "--weights", int8[1], "--precision", "int8", "--input", os.path.join(work, "test.npy"),
         "--output", f"{output}={kiln_y}"], "kiln run")
    ort_int8 = run_ort(os.path.dirname(node_path), qdq_path, test).ravel()
    ort_float = run_ort(os.path.dirname(node_path), qdq_path, test, "disabled").ravel()
    step = grids[qdq.graph.output[0].name]
    agreement = {"step": step, "values": int(ort_int8.size),
                 "kiln_steps": float(np.abs(np.load(kiln_y).ravel() - ort_int8).max() / step),
                 "kiln_differing": int((np.load(kiln_y).ravel() != ort_int8).sum()),
                 "ort_float_steps": float(np.abs(ort_float - ort_int8).max() / step),
                 "ort_float_differing": int((ort_float != ort_int8).sum())}

    torch.set_num_threads(2)
    quantized = pytorch_quantized(name, samples[:8])
    times = {"ort_f32": [], "ort_int8": [], "pytorch_int8": []}
    for turn in range(2):
        times["ort_f32"].append(time_ort(node_path, onnx_path, x.shape, args.seconds))
        times["ort_int8"].append(time_ort(node_path, qdq_path, x.shape, args.seconds))
        if quantized is not None:
            times["pytorch_int8"].append(torch_latency_ms(quantized, x, args.seconds))
        if turn == 0:
            kiln_f32 = time_kiln(args.kiln, *f32, args.seconds)
            kiln_int8 = time_kiln(args.kiln, *int8, args.seconds, ["--precision", "int8"])
    row = {"model": name, "kiln_f32_ms": kiln_f32, "kiln_int8_ms": kiln_int8, "agreement": agreement,
           "turns": times}
    row.update({k + "_ms": min(v) if v else None for k, v in times.items()})
    return row


def table(rows):
    lines = ["| model | Kiln f32 ms | Kiln int8 ms | int8 speed-up | ONNX Runtime int8 ms | Kiln int8 vs ONNX Runtime int8 "
             "| PyTorch int8 ms | Kiln int8 vs PyTorch int8 | ONNX Runtime f32 ms | outputs: Kiln vs ONNX Runtime int8 "
             "| ONNX Runtime float vs int8 |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        a, kiln, torch_ms = r["agreement"], r["kiln_int8_ms"], r["pytorch_int8_ms"]
        pytorch = f"{torch_ms:.2f} | {torch_ms / kiln:.2f}x" if torch_ms else "- | -"
        lines.append(
            f"| {r['model']} | {r['kiln_f32_ms']:.2f} | {kiln:.2f} | {r['kiln_f32_ms'] / kiln:.2f}x "
            f"| {r['ort_int8_ms']:.2f} | {r['ort_int8_ms'] / kiln:.2f}x | {pytorch} | {r['ort_f32_ms']:.2f} "
            f"| {a['kiln_steps']:.0f} steps at most, {a['kiln_differing']} of {a['values']} differ "
            f"| {a['ort_float_steps']:.0f} steps, {a['ort_float_differing']} differ |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--models", default="resnet50,mobilenet_v2")
    parser.add_argument("--seconds", type=float, default=2.0, help="each median over at least this long")
    parser.add_argument("--onnxruntime", default=os.path.join(HERE, "..", "build", "benchmarks", "onnxruntime"),
                        help="where npm's onnxruntime-node is (installed there if missing)")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "quantized"))
    args = parser.parse_args()
    node_path = install_onnxruntime(os.path.abspath(args.onnxruntime))
    rows = []
    for name in args.models.split(","):
        with tempfile.TemporaryDirectory(prefix=f"kiln-quantized-{name}-") as work:
            print(f"{name} ...", flush=True)
            rows.append(measure(name, args, node_path, work))
    write_results(args.out, "quantized", "Batch 1, 2 threads, medians", rows, table(rows))


if __name__ == "__main__":
    main()

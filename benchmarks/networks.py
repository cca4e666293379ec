#!/usr/bin/python3
"""Whole networks of the model zoo: Kiln against ONNX Runtime and PyTorch.

    benchmarks/networks.sh [--models resnet50,vgg11] [--batch 1,8] [--out DIR]

Each model (torchvision 0.14, random weights, seed 0, as tests/zoo/zoo.py
makes them) is exported to ONNX (opset 13) and imported with `kiln import`.
Then, in turns on the same input shape, batch by batch: ONNX Runtime from the
.onnx file (npm's onnxruntime-node, its CPU provider: 2 intra-op threads,
graph optimizations on), PyTorch (2 threads, no_grad), `kiln bench` (its
default schedules, 2 threads), ONNX Runtime and PyTorch again. Every
measurement is a median of runs over at least --seconds; each peer keeps the
faster of its two medians, since this shared machine only ever slows a
measurement down. Kiln is timed once: `kiln bench` compiles before it
measures. Writes networks.json, networks.md (the table) and networks.png (the plot) to --out.
"""
import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "zoo"))
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
from compare_with_pytorch import randomize_batchnorm, torch_latency_ms  # noqa: E402
from zoo import ZOO, run  # noqa: E402

ORT_VERSION = "1.30.0"
# The networks issue 20 measured: one of each family that imports, small to large.
DEFAULT_MODELS = ["alexnet", "vgg11", "vgg16_bn", "squeezenet1_0", "squeezenet1_1", "googlenet", "inception_v3",
                  "mobilenet_v2", "mobilenet_v3_large", "efficientnet_b0", "regnet_x_400mf", "regnet_y_400mf",
                  "resnet18", "resnet50", "resnext50_32x4d", "wide_resnet50_2", "densenet121",
                  "shufflenet_v2_x1_0", "mnasnet1_0", "convnext_tiny"]


def install_onnxruntime(prefix):
    """npm's onnxruntime-node (it carries its CPU library) under prefix, once."""
    if not os.path.isdir(os.path.join(prefix, "node_modules", "onnxruntime-node")):
        os.makedirs(prefix, exist_ok=True)
        print(f"installing onnxruntime-node {ORT_VERSION} with npm into {prefix}", flush=True)
        subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", prefix,
                        f"onnxruntime-node@{ORT_VERSION}"], check=True, stdout=subprocess.DEVNULL)
    return os.path.join(prefix, "node_modules")


def time_ort(node_path, onnx_path, shape, seconds, runs=10, profile_prefix=None):
    """ONNX Runtime's median ms; with profile_prefix, its profiler's file is written there too."""
    done = run(["node", os.path.join(HERE, "ort_bench.js"), onnx_path, ",".join(map(str, shape)), "3",
                str(seconds), str(runs)] + ([profile_prefix] if profile_prefix else []), "onnxruntime",
               env=dict(os.environ, NODE_PATH=node_path))
    return json.loads(done.stdout)["median_ms"]


def time_kiln(kiln, work, seconds):
    done = run([kiln, "bench", os.path.join(work, "net.kiln"), "--weights", os.path.join(work, "net.safetensors"),
                "--json", "--min-time", str(seconds)], "kiln bench")
    result = json.loads(done.stdout)
    return result["total_ms"], len(result["layers"])


def export_and_import(name, batch, kiln, work):
    """The zoo model (seed 0), its input, and its ONNX file (opset 13) in work, imported as work/net.kiln."""
    factory, size = ZOO[name]
    torch.manual_seed(0)
    model = factory().eval()
    randomize_batchnorm(model)
    x = torch.randn(batch, 3, size, size)
    onnx_path = os.path.join(work, "model.onnx")
    torch.onnx.export(model, x, onnx_path, opset_version=13)
    run([kiln, "import", onnx_path, "-o", work, "--name", "net"], "import")
    return model, x, onnx_path


def measure(name, batch, args, node_path, work):
    model, x, onnx_path = export_and_import(name, batch, args.kiln, work)
    ort_ms = [time_ort(node_path, onnx_path, x.shape, args.seconds)]
    torch_ms = [torch_latency_ms(model, x, args.seconds)]
    kiln_ms, kernels = time_kiln(args.kiln, work, args.seconds)
    ort_ms.append(time_ort(node_path, onnx_path, x.shape, args.seconds))
    torch_ms.append(torch_latency_ms(model, x, args.seconds))
    return {"model": name, "batch": batch, "kernels": kernels, "kiln_ms": kiln_ms, "onnxruntime_ms": min(ort_ms),
            "pytorch_ms": min(torch_ms), "onnxruntime_turns_ms": ort_ms, "pytorch_turns_ms": torch_ms}


def write_results(out, stem, caption, rows, table_text):
    """OUT/STEM.json (the machine and the rows) and OUT/STEM.md (the caption, the machine, the table), and
    the table on stdout: what the precision benchmarks write."""
    os.makedirs(out, exist_ok=True)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    with open(os.path.join(out, stem + ".json"), "w") as f:
        json.dump({"machine": machine, "rows": rows}, f, indent=1)
    with open(os.path.join(out, stem + ".md"), "w") as f:
        f.write(f"{caption}; {machine}.\n\n" + table_text)
    print(table_text)


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else float("nan")


def table(rows):
    lines = ["| model | batch | Kiln ms | ONNX Runtime ms | PyTorch ms | Kiln vs ONNX Runtime | Kiln vs PyTorch |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['batch']} | {r['kiln_ms']:.2f} | {r['onnxruntime_ms']:.2f} | "
                     f"{r['pytorch_ms']:.2f} | {r['onnxruntime_ms'] / r['kiln_ms']:.2f}x | "
                     f"{r['pytorch_ms'] / r['kiln_ms']:.2f}x |")
    for batch in sorted({r["batch"] for r in rows}):
        of = [r for r in rows if r["batch"] == batch]
        ort = geomean([r["onnxruntime_ms"] / r["kiln_ms"] for r in of])
        pt = geomean([r["pytorch_ms"] / r["kiln_ms"] for r in of])
        lines.append(f"| geomean of {len(of)} | {batch} | | | | {ort:.2f}x | {pt:.2f}x |")
    return "\n".join(lines) + "\n"


def plot(rows, path, machine):
    import matplotlib
    import matplotlib.ticker
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    batches = sorted({r["batch"] for r in rows})
    models = list(dict.fromkeys(r["model"] for r in rows))
    fig, ax = plt.subplots(figsize=(max(6, 0.55 * len(models) * len(batches)), 4.5))
    width = 0.8 / len(batches)
    for i, batch in enumerate(batches):
        speedup = {r["model"]: r["onnxruntime_ms"] / r["kiln_ms"] for r in rows if r["batch"] == batch}
        xs = [m + (i - (len(batches) - 1) / 2) * width for m in range(len(models))]
        ax.bar(xs, [speedup.get(m, 0) for m in models], width, label=f"batch {batch}")
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.set_xticks(range(len(models)), models, rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("speed-up over ONNX Runtime (higher is faster)")
    ax.set_title(f"Kiln's default schedules against ONNX Runtime {ORT_VERSION}, 2 threads ({machine})", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--models", default=",".join(DEFAULT_MODELS), help="comma-separated zoo names")
    parser.add_argument("--batch", default="1", help="comma-separated batch sizes (default 1)")
    parser.add_argument("--seconds", type=float, default=2.0, help="each median over at least this long")
    parser.add_argument("--out", default=os.path.join(HERE, "results", "networks"))
    parser.add_argument("--onnxruntime", default=os.path.join(HERE, "..", "build", "benchmarks", "onnxruntime"),
                        help="where npm installs onnxruntime-node")
    args = parser.parse_args()
    names, batches = args.models.split(","), [int(b) for b in args.batch.split(",")]
    unknown = [n for n in names if n not in ZOO]
    if unknown:
        parser.error(f"not in the zoo: {', '.join(unknown)}")
    node_path = install_onnxruntime(os.path.abspath(args.onnxruntime))
    torch.set_num_threads(2)
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    with open("/proc/cpuinfo") as f:
        machine = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), machine)
    rows, failed = [], []
    print(f"{'model':24} {'batch':>5} {'kiln ms':>9} {'ort ms':>9} {'torch ms':>9} {'vs ort':>7}", flush=True)
    for batch in batches:
        for name in names:
            with tempfile.TemporaryDirectory() as work:
                try:
                    r = measure(name, batch, args, node_path, work)
                except Exception as e:  # noqa: BLE001 - one model's failure is a row, not the end
                    failed.append(f"{name} batch {batch}: {str(e).splitlines()[0][:160]}")
                    print(f"{name:24} {batch:5}  failed: {failed[-1]}", flush=True)
                    continue
            rows.append(r)
            print(f"{name:24} {batch:5} {r['kiln_ms']:9.2f} {r['onnxruntime_ms']:9.2f} {r['pytorch_ms']:9.2f} "
                  f"{r['onnxruntime_ms'] / r['kiln_ms']:6.2f}x", flush=True)
    os.makedirs(args.out, exist_ok=True)
    meta = {"date": time.strftime("%Y-%m-%d"), "machine": machine, "onnxruntime": ORT_VERSION,
            "pytorch": torch.__version__, "threads": 2, "failed": failed}
    with open(os.path.join(args.out, "networks.json"), "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)
    text = table(rows)
    with open(os.path.join(args.out, "networks.md"), "w") as f:
        f.write(f"Whole networks, {meta['date']}, {machine}, 2 threads; medians, in turns (benchmarks/networks.py).\n\n"
                + text + "".join(f"\nnot measured: {line}\n" for line in failed))
    if rows:
        plot(rows, os.path.join(args.out, "networks.png"), machine)
    print(text)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

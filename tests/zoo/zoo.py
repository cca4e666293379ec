#!/usr/bin/python3
"""The model zoo: torchvision 0.14's CNNs through Kiln, compared with PyTorch.

    /usr/bin/python3 tests/zoo/zoo.py --kiln build/bin/kiln [--models resnet18,vgg11] [--opset 13]
                                      [--batch 1] [--via onnx|fx] [--import-only] [--list]

Each model (random weights, random BatchNorm statistics, seed 0; nothing is
downloaded) is exported (torch.onnx.export at --opset, or torch.fx with
tools/export_pytorch.py), imported, compiled (`kiln compile`, timed; kernels
counted from the emitted schedule) and run (`kiln run`) on one random input,
and every output is compared with PyTorch's: the largest |kiln - torch| over
the largest |torch|, which passes at 1e-4. Prints a table, one row per model
as it finishes, and 'N passed, N failed'.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torchvision

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")
sys.path.insert(0, TOOLS)
from compare_with_pytorch import randomize_batchnorm  # noqa: E402
from export_pytorch import Unsupported, export  # noqa: E402
from kiln_io import save_network, save_npy  # noqa: E402

LIMIT = 1e-4


class Outputs(torch.nn.Module):
    """A model whose outputs are a dict (segmentation, detection backbones) as a tuple."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return tuple(self.model(x).values())


def classifier(name):
    return lambda: getattr(torchvision.models, name)(weights=None)


def segmentation(name):
    return lambda: Outputs(getattr(torchvision.models.segmentation, name)(weights=None, weights_backbone=None))


def backbone(name):
    def make():
        detector = getattr(torchvision.models.detection, name)(weights=None, weights_backbone=None)
        return Outputs(detector.backbone)
    return make


CLASSIFIERS = [
    "alexnet", "convnext_tiny", "convnext_small", "convnext_base", "convnext_large",
    "densenet121", "densenet161", "densenet169", "densenet201",
    *[f"efficientnet_b{i}" for i in range(8)], "efficientnet_v2_s", "efficientnet_v2_m", "efficientnet_v2_l",
    "googlenet", "inception_v3", "mnasnet0_5", "mnasnet0_75", "mnasnet1_0", "mnasnet1_3",
    "mobilenet_v2", "mobilenet_v3_small", "mobilenet_v3_large",
    *[f"regnet_x_{s}" for s in ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf")],
    *[f"regnet_y_{s}" for s in ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf", "128gf")],
    "resnet18", "resnet34", "resnet50", "resnet101", "resnet152",
    "resnext50_32x4d", "resnext101_32x8d", "resnext101_64x4d",
    "shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0",
    "squeezenet1_0", "squeezenet1_1",
    "vgg11", "vgg11_bn", "vgg13", "vgg13_bn", "vgg16", "vgg16_bn", "vgg19", "vgg19_bn",
    "wide_resnet50_2", "wide_resnet101_2",
]
# name -> (factory, input height and width)
ZOO = {name: (classifier(name), 299 if name == "inception_v3" else 224) for name in CLASSIFIERS}
ZOO.update({name: (segmentation(name), 224) for name in (
    "fcn_resnet50", "fcn_resnet101", "deeplabv3_resnet50", "deeplabv3_resnet101",
    "deeplabv3_mobilenet_v3_large", "lraspp_mobilenet_v3_large")})
ZOO.update({f"{name}.backbone": (backbone(name), 300 if name == "ssd300_vgg16" else 224) for name in (
    "fasterrcnn_resnet50_fpn", "fasterrcnn_mobilenet_v3_large_fpn", "retinanet_resnet50_fpn",
    "ssd300_vgg16", "ssdlite320_mobilenet_v3_large")})


def run(command, what, env=None):
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if "error" in line] or done.stderr.splitlines() or ["?"]
        raise RuntimeError(f"{what}: {lines[0][:160]}")
    return done


def try_model(name, args, work):
    """(kernels, compile seconds, relative difference) of one model; raises RuntimeError with the first failure."""
    factory, size = ZOO[name]
    torch.manual_seed(0)
    model = factory().eval()
    randomize_batchnorm(model)
    x = torch.randn(args.batch, 3, size, size)
    with torch.no_grad():
        expected = model(x)
    expected = [t.numpy() for t in (expected if isinstance(expected, tuple) else (expected,))]
    if args.via == "onnx":
        onnx_path = os.path.join(work, "model.onnx")
        try:
            torch.onnx.export(model, x, onnx_path, opset_version=args.opset)
        except Exception as e:  # noqa: BLE001 - PyTorch's exporter, not Kiln
            raise RuntimeError(f"torch.onnx.export: {type(e).__name__}: {str(e).splitlines()[0][:120]}") from None
        run([args.kiln, "import", onnx_path, "-o", work, "--name", "net"], "import")
    else:
        try:
            save_network(work, "net", *export(model, x, "net"))
        except Unsupported as e:
            raise RuntimeError(f"torch.fx export: {e}") from None
    spec, weights = os.path.join(work, "net.kiln"), os.path.join(work, "net.safetensors")
    if args.import_only:
        run([args.kiln, "check", spec, "--weights", weights], "check")
        return None, None, None
    started = time.time()
    run([args.kiln, "compile", spec, "--weights", weights, "-o", os.path.join(work, "out"), "--emit", "schedule"],
        "compile")
    seconds = time.time() - started
    with open(os.path.join(work, "out", "net.sched")) as f:
        kernels = sum(line.startswith("[") for line in f)
    save_npy(os.path.join(work, "x.npy"), x.numpy())
    outputs = [os.path.join(work, f"y{i}.npy") for i in range(len(expected))]
    command = [args.kiln, "run", spec, "--weights", weights, "--input", os.path.join(work, "x.npy")]
    for path in outputs:
        command += ["--output", path]
    run(command, "run")
    relative = max(float(np.max(np.abs(np.load(p) - e))) / max(float(np.max(np.abs(e))), 1e-30)
                   for p, e in zip(outputs, expected))
    return kernels, seconds, relative


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--models", help="comma-separated names (default: the whole zoo)")
    parser.add_argument("--opset", type=int, default=13)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--via", choices=("onnx", "fx"), default="onnx")
    parser.add_argument("--import-only", action="store_true", help="export, import and check; no compile or run")
    parser.add_argument("--list", action="store_true", help="print the zoo's names and exit")
    args = parser.parse_args()
    if args.list:
        print("\n".join(ZOO))
        return 0
    names = args.models.split(",") if args.models else list(ZOO)
    unknown = [n for n in names if n not in ZOO]
    if unknown:
        parser.error(f"not in the zoo: {', '.join(unknown)} (see --list)")
    torch.set_num_threads(2)
    print(f"{'model':36} {'kernels':>7} {'compile s':>9} {'max diff':>9}  result", flush=True)
    passed = 0
    for name in names:
        with tempfile.TemporaryDirectory() as work:
            try:
                kernels, seconds, relative = try_model(name, args, work)
                if args.import_only:
                    passed += 1
                    print(f"{name:36} {'':7} {'':9} {'':9}  imported and checked", flush=True)
                    continue
                ok = relative <= LIMIT
                passed += ok
                print(f"{name:36} {kernels:7d} {seconds:9.1f} {relative:9.2g}  {'ok' if ok else 'WRONG'}", flush=True)
            except RuntimeError as e:
                print(f"{name:36} {'':7} {'':9} {'':9}  {e}", flush=True)
    print(f"{passed} passed, {len(names) - passed} failed")
    return 0 if passed == len(names) else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""The importer's patterns on small PyTorch modules: each is exported to ONNX
(opsets 13 and 17), imported, checked to have become the Kiln layers it should
(not a layer per ONNX node), run, and compared with PyTorch:
max |kiln - torch| <= 1e-4 max |torch|.

    /usr/bin/python3 tests/import/onnx_patterns.py --kiln build/bin/kiln
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools")
sys.path.insert(0, TOOLS)
from compare_with_pytorch import matches  # noqa: E402
from kiln_io import save_npy  # noqa: E402


class ConvNeXtBlock(torch.nn.Module):
    """torchvision's CNBlock: NHWC between two permutes, LayerNorm over the channels, Linear, GELU."""

    def __init__(self, c=8):
        super().__init__()
        self.dw = torch.nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = torch.nn.LayerNorm(c, eps=1e-6)
        self.up, self.down = torch.nn.Linear(c, 4 * c), torch.nn.Linear(4 * c, c)
        self.layer_scale = torch.nn.Parameter(torch.rand(c, 1, 1))

    def forward(self, x):
        y = self.dw(x).permute(0, 2, 3, 1)
        y = self.down(F.gelu(self.up(self.norm(y)))).permute(0, 3, 1, 2)
        return self.layer_scale * y + x


class ChannelsFirstLayerNorm(torch.nn.Module):
    """The LayerNorm of ConvNeXt's own repository: over axis 1 of NCHW, by hand."""

    def __init__(self, c=8):
        super().__init__()
        self.weight, self.bias = torch.nn.Parameter(torch.rand(c) + 0.5), torch.nn.Parameter(torch.randn(c))

    def forward(self, x):
        u = x.mean(1, keepdim=True)
        s = (x - u).pow(2).mean(1, keepdim=True)
        x = (x - u) / torch.sqrt(s + 1e-6)
        return self.weight[:, None, None] * x + self.bias[:, None, None]


class L2Norm(torch.nn.Module):
    """SSD300's L2Norm: F.normalize over the channels, times a weight per channel."""

    def __init__(self, c=8):
        super().__init__()
        self.conv = torch.nn.Conv2d(c, c, 3, padding=1)
        self.weight = torch.nn.Parameter(torch.rand(c) * 20)

    def forward(self, x):
        return self.weight.view(1, -1, 1, 1) * F.normalize(self.conv(x))


class NormalizedHead(torch.nn.Module):
    """ConvNeXt's classifier: pool, LayerNorm over [N, C], then Linear (MatMul and Add at opset 13)."""

    def __init__(self, c=8):
        super().__init__()
        self.norm, self.fc = torch.nn.LayerNorm(c), torch.nn.Linear(c, 5)

    def forward(self, x):
        return self.fc(self.norm(x.mean((2, 3))))


class Constants(torch.nn.Module):
    """Scalars and per-channel constants on either side of Add, Sub, Mul, Div."""

    def __init__(self, c=8):
        super().__init__()
        self.register_buffer("shift", torch.randn(1, c, 1, 1))

    def forward(self, x):
        return (3 - (x * 2 - 1) / 4 + self.shift) * torch.arange(1.0, 9.0).view(8, 1, 1)


CASES = [  # module, the Kiln layers its spec must have, in order
    (ConvNeXtBlock, ["conv2d", "layer_norm", "conv2d", "gelu", "conv2d", "scale", "add"]),
    (ChannelsFirstLayerNorm, ["layer_norm"]),
    (L2Norm, ["conv2d", "l2_norm", "scale"]),
    (NormalizedHead, ["global_avgpool", "flatten", "layer_norm", "dense"]),
    (Constants, ["scale"] * 6),
]


def try_case(kiln, module, opset, layers, work):
    torch.manual_seed(0)
    model = module().eval()
    x = torch.randn(2, 8, 6, 7)
    with torch.no_grad():
        expected = model(x).numpy()
    onnx_path = os.path.join(work, "model.onnx")
    torch.onnx.export(model, x, onnx_path, opset_version=opset)
    subprocess.run([kiln, "import", onnx_path, "-o", work, "--name", "net"], check=True, capture_output=True)
    with open(os.path.join(work, "net.kiln")) as f:
        spec = f.read()
    name = f"{module.__name__} at opset {opset}"
    if re.findall(r"= (\w+)\(", spec) != layers:
        print(f"FAIL: {name}: expected the layers {layers}, the importer wrote:\n{spec}")
        return False
    save_npy(os.path.join(work, "x.npy"), x.numpy())
    subprocess.run([kiln, "run", os.path.join(work, "net.kiln"), "--weights", os.path.join(work, "net.safetensors"),
                    "--input", os.path.join(work, "x.npy"), "--output", os.path.join(work, "y.npy")], check=True)
    return matches(name, np.load(os.path.join(work, "y.npy")), expected)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    args = parser.parse_args()
    failed = 0
    for module, layers in CASES:
        for opset in (13, 17):
            with tempfile.TemporaryDirectory() as work:
                failed += not try_case(args.kiln, module, opset, layers, work)
    print(f"{2 * len(CASES) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

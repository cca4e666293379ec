#!/usr/bin/python3
"""The model tools' patterns on small PyTorch modules: each goes through ONNX
(opsets 13 and 17, `kiln import`) and, where torch.fx traces it, through
tools/export_pytorch.py; each must become the Kiln layers it should (not a
layer per ONNX node or fx call), and run to PyTorch's output:
max |kiln - torch| <= 1e-4 max |torch|.

    /usr/bin/python3 tests/import/model_patterns.py --kiln build/bin/kiln
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
from export_pytorch import export  # noqa: E402
from kiln_io import save_network, save_npy  # noqa: E402
from torchvision.models.shufflenetv2 import channel_shuffle  # noqa: E402


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


class ShuffleBlock(torch.nn.Module):
    """ShuffleNetV2's unit: chunk, a branch, cat, channel shuffle; then an adaptive pool that divides."""

    def __init__(self, c=8):
        super().__init__()
        self.branch = torch.nn.Sequential(torch.nn.Conv2d(c // 2, c // 2, 1), torch.nn.ReLU())
        self.pool = torch.nn.AdaptiveAvgPool2d((3, 7))

    def forward(self, x):
        a, b = x.chunk(2, dim=1)
        return self.pool(channel_shuffle(torch.cat((a, self.branch(b)), 1), 2))


class Constants(torch.nn.Module):
    """Scalars and per-channel constants on either side of Add, Sub, Mul, Div."""

    def __init__(self, c=8):
        super().__init__()
        self.register_buffer("shift", torch.randn(1, c, 1, 1))

    def forward(self, x):
        return (3 - (x * 2 - 1) / 4 + self.shift) * torch.arange(1.0, 9.0).view(8, 1, 1)


class TensorConstants(torch.nn.Module):
    """Constants that are not one value per channel (a mask per pixel, an exponent, a row), on either side."""

    def __init__(self):
        super().__init__()
        self.mask = torch.nn.Parameter(torch.rand(1, 1, 6, 7))
        self.register_buffer("floor", torch.randn(7))

    def forward(self, x):
        return torch.pow(torch.relu(x) * self.mask, 1.5) - torch.maximum(self.floor, x)


class Binary(torch.nn.Module):
    """Sub, div, max, min and pow of two tensors, broadcasting either way."""

    def forward(self, x):
        gate = x.mean((2, 3), keepdim=True)
        y = torch.maximum(gate - x, x / (torch.relu(gate) + 1))
        return torch.minimum(y, gate) + torch.pow(torch.relu(x) + 1, gate)


class TensorOps(torch.nn.Module):
    """Transposes, reshapes, reductions and unary functions outside any pattern: the general layers."""

    def forward(self, x):
        y = x.permute(0, 2, 3, 1).reshape(2, 6, 7, 2, 4).amax(3)
        s = torch.sqrt(torch.exp(y.sum(1, keepdim=True) * 0.1))
        return torch.erf(y - s).transpose(1, 3).flatten(2).unsqueeze(1)


class Decoder(torch.nn.Module):
    """A segmentation decoder's upsampling: transposed convolutions, strided and grouped."""

    def __init__(self, c=8):
        super().__init__()
        self.up = torch.nn.ConvTranspose2d(c, 6, 3, stride=2, padding=1, output_padding=1)
        self.grouped = torch.nn.ConvTranspose2d(6, 4, (2, 3), stride=(2, 1), padding=(0, 1), groups=2, bias=False)

    def forward(self, x):
        return self.grouped(torch.relu(self.up(x)))


class Attention(torch.nn.Module):
    """Self-attention over an image's pixels: matmul of two tensors, transposes, softmax."""

    def __init__(self, c=8):
        super().__init__()
        self.qkv = torch.nn.Conv2d(c, 3 * c, 1)

    def forward(self, x):
        qkv = self.qkv(x).flatten(2).chunk(3, dim=1)
        q, k, v = qkv[0], qkv[1], qkv[2]
        weights = torch.softmax(torch.matmul(q.transpose(1, 2), k), dim=-1)
        return torch.matmul(v, weights.transpose(1, 2)).reshape(x.shape)


ROUTES = ["onnx13", "onnx17", "fx"]
CASES = [  # module, the Kiln layers its spec must have in order, the routes it takes
    (ConvNeXtBlock, ["conv2d", "layer_norm", "conv2d", "gelu", "conv2d", "scale", "add"], ROUTES),
    (ChannelsFirstLayerNorm, ["layer_norm"], ROUTES[:2]),
    (L2Norm, ["conv2d", "l2_norm", "scale"], ROUTES[:2]),
    (NormalizedHead, ["global_avgpool", "flatten", "layer_norm", "dense"], ROUTES),
    (ShuffleBlock, ["slice", "slice", "conv2d", "relu", "concat", "channel_shuffle", "avgpool"], ROUTES),
    (Constants, ["scale"] * 6, ROUTES[:2]),
    (TensorOps, ["transpose", "reshape", "reduce_max", "reduce_sum", "scale", "exp", "sqrt", "sub", "erf",
                 "transpose", "reshape", "reshape"], ROUTES),
    (Decoder, ["conv_transpose2d", "relu", "conv_transpose2d"], ROUTES),
    (Attention, ["conv2d", "reshape", "slice", "slice", "slice", "transpose", "matmul", "softmax", "transpose",
                 "matmul", "reshape"], ROUTES),
    (TensorConstants, ["relu", "constant", "mul", "constant", "pow", "constant", "max", "sub"], ROUTES),
    (Binary, ["global_avgpool", "sub", "relu", "scale", "div", "max", "min", "relu", "scale", "pow", "add"], ROUTES),
]


def try_case(kiln, module, route, layers, work):
    torch.manual_seed(0)
    model = module().eval()
    x = torch.randn(2, 8, 6, 7)
    with torch.no_grad():
        expected = model(x).numpy()
    if route == "fx":
        save_network(work, "net", *export(model, x, "net"))
    else:
        onnx_path = os.path.join(work, "model.onnx")
        torch.onnx.export(model, x, onnx_path, opset_version=int(route[4:]))
        subprocess.run([kiln, "import", onnx_path, "-o", work, "--name", "net"], check=True, capture_output=True)
    with open(os.path.join(work, "net.kiln")) as f:
        spec = f.read()
    name = f"{module.__name__} through {route}"
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
    failed, count = 0, 0
    for module, layers, routes in CASES:
        for route in routes:
            with tempfile.TemporaryDirectory() as work:
                failed += not try_case(args.kiln, module, route, layers, work)
                count += 1
    print(f"{count - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

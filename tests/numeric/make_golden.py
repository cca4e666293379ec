#!/usr/bin/python3
"""Golden data for Kiln's numerical tests, made with PyTorch.

Run with Debian's interpreter: /usr/bin/python3 tests/numeric/make_golden.py
Each case becomes tests/numeric/golden/NAME/ with net.kiln, weights.safetensors
(when the network has weights), input0.npy... and expected0.npy...; the tests
compare `kiln run` against the expected outputs and need no PyTorch.
"""
import json
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from kiln_io import save_npy, save_safetensors  # noqa: E402
from torch_reference import activation as act, pool, torch_padding  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "golden")
torch.manual_seed(0)
CASES = []


def case(name, spec, inputs, weights, reference, atol_of_largest=None, precision=None, qparams=None,
         schedule=None):
    """inputs: list of arrays; weights: dict; reference(inputs, weights) -> list of outputs.
    atol_of_largest: an absolute tolerance of this fraction of each output's
    largest magnitude, written to the case's `tolerance` file for run_golden.sh
    (otherwise |actual - expected| <= 1e-5 + 1e-4 |expected|).
    precision: kiln run's --precision, written to the case's `precision` file.
    qparams: {tensor: (scale, zero_point)}, written as the case's `qparams` file (--qparams).
    schedule: a schedule file's text, the case's `schedule` file (--schedule)."""
    CASES.append((name, spec, inputs, weights, reference, atol_of_largest, precision, qparams, schedule))


def pair(v):
    return v if isinstance(v, tuple) else (v, v)


def rand(*shape, scale=1.0):
    return torch.randn(*shape) * scale


# --- conv2d ---------------------------------------------------------------
def conv_case(name, in_shape, filters, kernel, stride=1, padding=(0, 0, 0, 0), dilation=1,
              groups=1, bias=True, activation="none", attrs=""):
    x = rand(*in_shape)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    w = {"c.weight": rand(filters, in_shape[1] // groups, kh, kw, scale=0.3)}
    if bias:
        w["c.bias"] = rand(filters, scale=0.3)
    spec = (f"network t\ninput x: f32{list(in_shape)}\n"
            f"c = conv2d(x, filters={filters}{attrs})\noutput c\n")

    def ref(ins, ws):
        padded = F.pad(ins[0], torch_padding(padding))
        y = F.conv2d(padded, ws["c.weight"], ws.get("c.bias"), stride=stride, dilation=dilation, groups=groups)
        return [act(y, activation)]
    case(name, spec, [x], w, ref)


conv_case("conv_3x3", (1, 3, 8, 8), 4, 3, attrs=", kernel=3")
conv_case("conv_batch2", (2, 3, 6, 7), 5, 3, attrs=", kernel=3")
conv_case("conv_stride2", (1, 3, 9, 9), 4, 3, stride=2, attrs=", kernel=3, stride=2")
conv_case("conv_stride_pair", (1, 2, 9, 10), 3, 3, stride=(2, 1), attrs=", kernel=3, stride=(2, 1)")
conv_case("conv_rect_kernel", (1, 2, 8, 9), 3, (3, 5), attrs=", kernel=(3, 5)")
conv_case("conv_pad1", (1, 3, 7, 7), 4, 3, padding=(1, 1, 1, 1), attrs=", kernel=3, padding=1")
conv_case("conv_pad_pair", (1, 3, 7, 7), 4, 3, padding=(2, 1, 2, 1), attrs=", kernel=3, padding=(2, 1)")
conv_case("conv_pad_asym", (1, 3, 7, 7), 4, 3, padding=(0, 1, 2, 3), attrs=", kernel=3, padding=(0, 1, 2, 3)")
conv_case("conv_same_stride2", (1, 3, 8, 8), 4, 4, stride=2, padding=(1, 1, 2, 2),
          attrs=", kernel=4, stride=2, padding=same")
conv_case("conv_same_odd", (1, 3, 7, 7), 4, 3, padding=(1, 1, 1, 1), attrs=", kernel=3, padding=same")
conv_case("conv_valid", (1, 3, 7, 7), 4, 3, attrs=", kernel=3, padding=valid")
conv_case("conv_dilation2", (1, 3, 11, 11), 4, 3, dilation=2, padding=(2, 2, 2, 2),
          attrs=", kernel=3, dilation=2, padding=2")
conv_case("conv_groups2", (1, 4, 8, 8), 6, 3, groups=2, padding=(1, 1, 1, 1),
          attrs=", kernel=3, groups=2, padding=1")
conv_case("conv_depthwise", (1, 8, 9, 9), 8, 3, groups=8, stride=2, padding=(1, 1, 1, 1),
          attrs=", kernel=3, groups=8, stride=2, padding=1")
conv_case("conv_1x1_nobias", (1, 16, 5, 5), 8, 1, bias=False, attrs=", kernel=1, bias=false")
conv_case("conv_wide_channels", (1, 32, 12, 20), 24, 3, padding=(1, 1, 1, 1), attrs=", kernel=3, padding=1")
for a in ["relu", "relu6", "sigmoid", "tanh", "silu", "hardswish", "gelu", "leaky_relu"]:
    conv_case(f"conv_act_{a}", (1, 3, 6, 6), 4, 3, activation=a, attrs=f", kernel=3, activation={a}")


def inline_ref(ins, ws):
    k = torch.tensor([[1.0, 0, -1], [1, 0, -1], [1, 0, -1]]).reshape(1, 1, 3, 3)
    return [F.conv2d(ins[0], k)]


case("conv_inline_weights",
     "network t\ninput img: f32[1, 1, 5, 5]\n"
     "e = conv2d(img, filters=1, kernel=3, bias=false, weights=[[1, 0, -1], [1, 0, -1], [1, 0, -1]])\noutput e\n",
     [torch.arange(1, 26, dtype=torch.float32).reshape(1, 1, 5, 5)], {}, inline_ref)


# --- pooling --------------------------------------------------------------
def pool_case(name, kind, in_shape, kernel, stride=None, padding=(0, 0, 0, 0), dilation=1,
              ceil_mode=False, count_include_pad=True, attrs=""):
    x = rand(*in_shape)
    spec = f"network t\ninput x: f32{list(in_shape)}\np = {kind}(x, kernel={kernel}{attrs})\noutput p\n"
    s = stride or kernel

    def ref(ins, ws):
        return [pool(kind, ins[0], (kernel, kernel), pair(s), padding, (dilation, dilation), ceil_mode,
                     count_include_pad)]
    case(name, spec, [x], {}, ref)


pool_case("maxpool_2", "maxpool", (1, 3, 8, 8), 2)
pool_case("maxpool_3s2p1", "maxpool", (1, 3, 9, 9), 3, 2, (1, 1, 1, 1), attrs=", stride=2, padding=1")
pool_case("maxpool_ceil", "maxpool", (1, 2, 8, 8), 3, 2, ceil_mode=True, attrs=", stride=2, ceil_mode=true")
pool_case("maxpool_dilation", "maxpool", (1, 2, 10, 10), 3, 1, dilation=2, attrs=", stride=1, dilation=2")
pool_case("maxpool_pad_asym", "maxpool", (1, 2, 7, 7), 3, 2, (0, 1, 2, 2),
          attrs=", stride=2, padding=(0, 1, 2, 2)")
pool_case("maxpool_big_pad", "maxpool", (1, 2, 6, 6), 3, 1, (2, 2, 2, 2), attrs=", stride=1, padding=2")
pool_case("avgpool_2", "avgpool", (1, 3, 8, 8), 2)
pool_case("avgpool_pad_include", "avgpool", (1, 3, 7, 7), 3, 2, (1, 1, 1, 1), attrs=", stride=2, padding=1")
pool_case("avgpool_pad_exclude", "avgpool", (1, 3, 7, 7), 3, 2, (1, 1, 1, 1), count_include_pad=False,
          attrs=", stride=2, padding=1, count_include_pad=false")
pool_case("avgpool_ceil_include", "avgpool", (1, 2, 8, 8), 3, 2, (1, 1, 1, 1), ceil_mode=True,
          attrs=", stride=2, padding=1, ceil_mode=true")
pool_case("avgpool_ceil_exclude", "avgpool", (1, 2, 8, 8), 3, 2, (1, 1, 1, 1), ceil_mode=True,
          count_include_pad=False, attrs=", stride=2, padding=1, ceil_mode=true, count_include_pad=false")
pool_case("avgpool_pad_asym_include", "avgpool", (1, 2, 7, 7), 3, 2, (0, 1, 1, 2),
          attrs=", stride=2, padding=(0, 1, 1, 2)")
pool_case("avgpool_pad_asym_exclude", "avgpool", (1, 2, 7, 7), 3, 2, (0, 1, 1, 2), count_include_pad=False,
          attrs=", stride=2, padding=(0, 1, 1, 2), count_include_pad=false")

for kind, fn in [("global_avgpool", lambda t: t.mean((2, 3), keepdim=True)),
                 ("global_maxpool", lambda t: t.amax((2, 3), keepdim=True))]:
    case(kind, f"network t\ninput x: f32[2, 5, 6, 7]\ng = {kind}(x)\noutput g\n",
         [rand(2, 5, 6, 7)], {}, lambda ins, ws, fn=fn: [fn(ins[0])])


# --- dense, flatten -------------------------------------------------------
def dense_case(name, n, f, units, bias=True, activation="none", attrs=""):
    w = {"d.weight": rand(units, f, scale=0.2)}
    if bias:
        w["d.bias"] = rand(units, scale=0.2)
    spec = f"network t\ninput x: f32[{n}, {f}]\nd = dense(x, units={units}{attrs})\noutput d\n"
    case(name, spec, [rand(n, f)], w,
         lambda ins, ws: [act(F.linear(ins[0], ws["d.weight"], ws.get("d.bias")), activation)])


dense_case("dense", 1, 20, 7)
dense_case("dense_batch3_nobias", 3, 33, 10, bias=False, attrs=", bias=false")
dense_case("dense_relu", 2, 16, 40, activation="relu", attrs=", activation=relu")
case("flatten", "network t\ninput x: f32[2, 3, 4, 5]\nf = flatten(x)\noutput f\n",
     [rand(2, 3, 4, 5)], {}, lambda ins, ws: [torch.flatten(ins[0], 1)])


# --- batchnorm ------------------------------------------------------------
def bn_weights(prefix, c, affine=True):
    w = {f"{prefix}.running_mean": rand(c, scale=0.5), f"{prefix}.running_var": torch.rand(c) + 0.5}
    if affine:
        w[f"{prefix}.weight"] = rand(c)
        w[f"{prefix}.bias"] = rand(c)
    return w


def bn_ref(x, ws, prefix, eps=1e-5):
    return F.batch_norm(x, ws[f"{prefix}.running_mean"], ws[f"{prefix}.running_var"],
                        ws.get(f"{prefix}.weight"), ws.get(f"{prefix}.bias"), False, 0.0, eps)


case("batchnorm", "network t\ninput x: f32[2, 4, 5, 5]\nb = batchnorm(x)\noutput b\n",
     [rand(2, 4, 5, 5)], bn_weights("b", 4), lambda ins, ws: [bn_ref(ins[0], ws, "b")])
case("batchnorm_noaffine_eps", "network t\ninput x: f32[1, 3, 4, 4]\nb = batchnorm(x, eps=0.001, affine=false)\noutput b\n",
     [rand(1, 3, 4, 4)], bn_weights("b", 3, False), lambda ins, ws: [bn_ref(ins[0], ws, "b", 1e-3)])

# --- unary activations, clip ---------------------------------------------
for a in ["relu", "relu6", "sigmoid", "tanh", "silu", "hardswish", "gelu", "leaky_relu"]:
    case(f"act_{a}", f"network t\ninput x: f32[1, 2, 3, 40]\ny = {a}(x)\noutput y\n",
         [rand(1, 2, 3, 40, scale=4.0)], {}, lambda ins, ws, a=a: [act(ins[0], a)])
case("leaky_relu_alpha", "network t\ninput x: f32[1, 50]\ny = leaky_relu(x, alpha=0.2)\noutput y\n",
     [rand(1, 50)], {}, lambda ins, ws: [F.leaky_relu(ins[0], 0.2)])
case("clip_both", "network t\ninput x: f32[1, 3, 4, 4]\ny = clip(x, min=-0.5, max=0.5)\noutput y\n",
     [rand(1, 3, 4, 4)], {}, lambda ins, ws: [torch.clamp(ins[0], -0.5, 0.5)])
case("clip_min", "network t\ninput x: f32[1, 20]\ny = clip(x, min=0)\noutput y\n",
     [rand(1, 20)], {}, lambda ins, ws: [torch.clamp(ins[0], min=0.0)])
case("clip_max", "network t\ninput x: f32[1, 20]\ny = clip(x, max=0.25)\noutput y\n",
     [rand(1, 20)], {}, lambda ins, ws: [torch.clamp(ins[0], max=0.25)])
case("clip_min_above_max", "network t\ninput x: f32[1, 20]\ny = clip(x, min=1, max=-1)\noutput y\n",
     [rand(1, 20)], {}, lambda ins, ws: [torch.clamp(ins[0], 1.0, -1.0)])

# --- add, mul, concat, pad -----------------------------------------------
case("add", "network t\ninput a: f32[1, 3, 4, 5]\ninput b: f32[1, 3, 4, 5]\ns = add(a, b)\noutput s\n",
     [rand(1, 3, 4, 5), rand(1, 3, 4, 5)], {}, lambda ins, ws: [ins[0] + ins[1]])
case("add_broadcast_relu", "network t\ninput a: f32[2, 3, 4, 5]\ninput b: f32[2, 3, 1, 1]\n"
     "s = add(a, b, activation=relu)\noutput s\n",
     [rand(2, 3, 4, 5), rand(2, 3, 1, 1)], {}, lambda ins, ws: [F.relu(ins[0] + ins[1])])
case("mul_broadcast", "network t\ninput a: f32[1, 4, 3, 3]\ninput b: f32[1, 4, 1, 1]\nm = mul(a, b)\noutput m\n",
     [rand(1, 4, 3, 3), rand(1, 4, 1, 1)], {}, lambda ins, ws: [ins[0] * ins[1]])
case("concat_channels", "network t\ninput a: f32[1, 2, 3, 4]\ninput b: f32[1, 3, 3, 4]\ninput c: f32[1, 1, 3, 4]\n"
     "y = concat(a, b, c)\noutput y\n",
     [rand(1, 2, 3, 4), rand(1, 3, 3, 4), rand(1, 1, 3, 4)], {}, lambda ins, ws: [torch.cat(ins, 1)])
case("concat_last_axis", "network t\ninput a: f32[2, 3]\ninput b: f32[2, 5]\ny = concat(a, b, axis=-1)\noutput y\n",
     [rand(2, 3), rand(2, 5)], {}, lambda ins, ws: [torch.cat(ins, -1)])
case("pad_int", "network t\ninput x: f32[1, 2, 3, 4]\ny = pad(x, padding=1)\noutput y\n",
     [rand(1, 2, 3, 4)], {}, lambda ins, ws: [F.pad(ins[0], (1, 1, 1, 1))])
case("pad_asym_value", "network t\ninput x: f32[1, 2, 3, 4]\ny = pad(x, padding=(1, 2, 0, 3), value=-2.5)\noutput y\n",
     [rand(1, 2, 3, 4)], {}, lambda ins, ws: [F.pad(ins[0], torch_padding((1, 2, 0, 3)), value=-2.5)])

# --- softmax --------------------------------------------------------------
case("softmax", "network t\ninput x: f32[2, 10]\ny = softmax(x)\noutput y\n",
     [rand(2, 10, scale=3.0)], {}, lambda ins, ws: [F.softmax(ins[0], -1)])
case("softmax_axis1", "network t\ninput x: f32[1, 5, 3, 4]\ny = softmax(x, axis=1)\noutput y\n",
     [rand(1, 5, 3, 4)], {}, lambda ins, ws: [F.softmax(ins[0], 1)])
case("log_softmax", "network t\ninput x: f32[3, 17]\ny = log_softmax(x)\noutput y\n",
     [rand(3, 17, scale=3.0)], {}, lambda ins, ws: [F.log_softmax(ins[0], -1)])

# --- networks -------------------------------------------------------------
LENET = open(os.path.join(HERE, "..", "..", "examples", "lenet5", "lenet5.kiln")).read()


def lenet_weights():
    shapes = {"c1.weight": (6, 1, 5, 5), "c1.bias": (6,), "c2.weight": (16, 6, 5, 5), "c2.bias": (16,),
              "d1.weight": (120, 400), "d1.bias": (120,), "d2.weight": (84, 120), "d2.bias": (84,),
              "d3.weight": (10, 84), "d3.bias": (10,)}
    return {k: rand(*s, scale=0.2) for k, s in shapes.items()}


def lenet_ref(ins, ws):
    y = F.max_pool2d(F.relu(F.conv2d(ins[0], ws["c1.weight"], ws["c1.bias"], padding=2)), 2)
    y = F.max_pool2d(F.relu(F.conv2d(y, ws["c2.weight"], ws["c2.bias"])), 2)
    y = torch.flatten(y, 1)
    y = F.relu(F.linear(y, ws["d1.weight"], ws["d1.bias"]))
    y = F.relu(F.linear(y, ws["d2.weight"], ws["d2.bias"]))
    return [F.softmax(F.linear(y, ws["d3.weight"], ws["d3.bias"]), -1)]


case("lenet5", LENET, [rand(1, 1, 28, 28)], lenet_weights(), lenet_ref)

RESBLOCK = """network basic_block
# A ResNet basic block: two 3x3 convolutions with batchnorm and a shortcut.
input x: f32[1, 16, 14, 14]
conv1 = conv2d(x, filters=16, kernel=3, padding=1, bias=false)
bn1 = batchnorm(conv1)
relu1 = relu(bn1)
conv2 = conv2d(relu1, filters=16, kernel=3, padding=1, bias=false)
bn2 = batchnorm(conv2)
sum = add(bn2, x)
out = relu(sum)
output out
"""


def resblock_weights():
    w = {"conv1.weight": rand(16, 16, 3, 3, scale=0.1), "conv2.weight": rand(16, 16, 3, 3, scale=0.1)}
    w.update(bn_weights("bn1", 16))
    w.update(bn_weights("bn2", 16))
    return w


def resblock_ref(ins, ws):
    y = F.relu(bn_ref(F.conv2d(ins[0], ws["conv1.weight"], padding=1), ws, "bn1"))
    y = bn_ref(F.conv2d(y, ws["conv2.weight"], padding=1), ws, "bn2")
    return [F.relu(y + ins[0])]


case("resnet_basic_block", RESBLOCK, [rand(1, 16, 14, 14)], resblock_weights(), resblock_ref)

TWO_OUT = """network two_heads
input x: f32[1, 3, 6, 6]
c = conv2d(x, filters=4, kernel=3, padding=1, activation=relu)
g = global_avgpool(c)
m = maxpool(c, kernel=2)
output g, m
"""
case("two_outputs", TWO_OUT, [rand(1, 3, 6, 6)], {"c.weight": rand(4, 3, 3, 3), "c.bias": rand(4)},
     lambda ins, ws: [F.relu(F.conv2d(ins[0], ws["c.weight"], ws["c.bias"], padding=1)).mean((2, 3), keepdim=True),
                      F.max_pool2d(F.relu(F.conv2d(ins[0], ws["c.weight"], ws["c.bias"], padding=1)), 2)])

# Windows wholly in padding: a max of nothing is -inf; an average of nothing
# counted is 0/0 = NaN, as in ONNX's reference (appended last so that the
# cases above keep their random values).
pool_case("maxpool_window_in_padding", "maxpool", (1, 2, 2, 3), 1, (1, 3), (2, 0, 2, 0),
          attrs=", stride=(1, 3), padding=(2, 0, 2, 0)")
pool_case("avgpool_window_in_padding", "avgpool", (1, 2, 2, 3), 1, (1, 3), (2, 0, 2, 0), count_include_pad=False,
          attrs=", stride=(1, 3), padding=(2, 0, 2, 0), count_include_pad=false")

# Large inputs: log_softmax must subtract the max before the log, in that order.
case("log_softmax_large", "network t\ninput x: f32[2, 6]\ny = log_softmax(x)\noutput y\n",
     [rand(2, 6) + 10000.0], {}, lambda ins, ws: [F.log_softmax(ins[0], -1)])
case("softmax_large", "network t\ninput x: f32[2, 6]\ny = softmax(x)\noutput y\n",
     [rand(2, 6) * 3 + 10000.0], {}, lambda ins, ws: [F.softmax(ins[0], -1)])

# Poolings with channel vectors over an NHWC convolution output (the
# default when they read channel tiles), with a fused add reading the other's NHWC output.
NHWC_POOLS = """network nhwc_pools
input x: f32[1, 8, 15, 13]
c = conv2d(x, filters=32, kernel=3, padding=1)
a = avgpool(c, kernel=3, stride=2, padding=1, count_include_pad=false)
m = maxpool(c, kernel=3, stride=2, padding=1, ceil_mode=true)
s = add(a, m, activation=relu)
output s
"""


def nhwc_pools_ref(ins, ws):
    c = F.conv2d(ins[0], ws["c.weight"], ws["c.bias"], padding=1)
    a = F.avg_pool2d(c, 3, 2, 1, count_include_pad=False)
    return [F.relu(a + F.max_pool2d(c, 3, 2, 1, ceil_mode=True))]


case("nhwc_pools", NHWC_POOLS, [rand(1, 8, 15, 13)], {"c.weight": rand(32, 8, 3, 3, scale=0.2), "c.bias": rand(32)},
     nhwc_pools_ref)

# MobileNetV2's depthwise convolutions with channel vectors over NHWC (the
# default when they read channel tiles): stride 1 and 2, padded, fused
# activations, read by a 1x1 convolution's channel tiles.
NHWC_DEPTHWISE = """network nhwc_depthwise
input x: f32[1, 8, 13, 11]
e = conv2d(x, filters=32, kernel=3, padding=1, activation=relu6)
d = conv2d(e, filters=32, kernel=3, padding=1, groups=32, activation=relu6)
s = conv2d(d, filters=32, kernel=3, stride=2, padding=1, groups=32)
p = conv2d(s, filters=16, kernel=1)
output p
"""


def nhwc_depthwise_ref(ins, ws):
    e = F.relu6(F.conv2d(ins[0], ws["e.weight"], ws["e.bias"], padding=1))
    d = F.relu6(F.conv2d(e, ws["d.weight"], ws["d.bias"], padding=1, groups=32))
    s = F.conv2d(d, ws["s.weight"], ws["s.bias"], stride=2, padding=1, groups=32)
    return [F.conv2d(s, ws["p.weight"], ws["p.bias"])]


case("nhwc_depthwise", NHWC_DEPTHWISE, [rand(1, 8, 13, 11)],
     {"e.weight": rand(32, 8, 3, 3, scale=0.2), "e.bias": rand(32), "d.weight": rand(32, 1, 3, 3, scale=0.3),
      "d.bias": rand(32), "s.weight": rand(32, 1, 3, 3, scale=0.3), "s.bias": rand(32),
      "p.weight": rand(16, 32, 1, 1, scale=0.2), "p.bias": rand(16)},
     nhwc_depthwise_ref)


# Winograd F(4x4, 3x3), the default for these 3x3 stride-1 layers: padded and
# not, blocks cut by the image's edges (19 and 23 are not multiples of 4),
# two images, NHWC between the two kernels. Its transforms add and subtract
# terms up to 8x each other (A's 8s), so an output's rounding error scales
# with the largest terms, not with the output: within 1e-5 of the largest
# output magnitude (measured: 3.3e-6 of it; 15 of 11424 outputs near zero
# exceed 1e-5 + 1e-4 of their own magnitude).
WINOGRAD = """network winograd
input x: f32[2, 16, 19, 23]
a = conv2d(x, filters=32, kernel=3, padding=1, activation=relu)
b = conv2d(a, filters=16, kernel=3)
output b
"""


def winograd_ref(ins, ws):
    a = F.relu(F.conv2d(ins[0], ws["a.weight"], ws["a.bias"], padding=1))
    return [F.conv2d(a, ws["b.weight"], ws["b.bias"])]


case("winograd", WINOGRAD, [rand(2, 16, 19, 23)],
     {"a.weight": rand(32, 16, 3, 3, scale=0.2), "a.bias": rand(32), "b.weight": rand(16, 32, 3, 3, scale=0.2),
      "b.bias": rand(16)},
     winograd_ref, atol_of_largest=1e-5)


# Pooling fused into the convolution before it (fuse_pool): windows apart
# (the avgpool) fuse by default; overlapping ones (the maxpool) stay a kernel
# of their own unless a schedule fuses them (tests/lit/schedule/fuse_pool.test).
# Batch 2, odd sizes, ceil_mode windows that cross the edge.
FUSED_POOLS = """network fused_pools
input x: f32[2, 8, 15, 13]
c = conv2d(x, filters=32, kernel=5, padding=2)
b = batchnorm(c)
r = relu(b)
m = maxpool(r, kernel=3, stride=2, padding=1, ceil_mode=true)
e = conv2d(m, filters=24, kernel=1, activation=relu)
a = avgpool(e, kernel=2, ceil_mode=true, count_include_pad=false)
output a
"""


def fused_pools_ref(ins, ws):
    r = F.relu(bn_ref(F.conv2d(ins[0], ws["c.weight"], ws["c.bias"], padding=2), ws, "b"))
    m = F.max_pool2d(r, 3, 2, 1, ceil_mode=True)
    e = F.relu(F.conv2d(m, ws["e.weight"], ws["e.bias"]))
    return [F.avg_pool2d(e, 2, ceil_mode=True, count_include_pad=False)]


case("fused_pools", FUSED_POOLS, [rand(2, 8, 15, 13)],
     {"c.weight": rand(32, 8, 5, 5, scale=0.1), "c.bias": rand(32), **bn_weights("b", 32),
      "e.weight": rand(24, 32, 1, 1, scale=0.2), "e.bias": rand(24)}, fused_pools_ref)


# A 3x3 stride-2 convolution over many channels between two that compute
# channel vectors: NHWC in and out, and its block of weights (2 vectors of
# channels over 232 x 9 taps, 267 KB) large enough that on AVX-512 the
# default widens its register tiles to 14 pixels.
WIDE_TILES = """network wide_tiles
input x: f32[2, 8, 9, 27]
a = conv2d(x, filters=232, kernel=1, activation=relu)
b = conv2d(a, filters=32, kernel=3, stride=2, padding=1, activation=relu)
c = conv2d(b, filters=16, kernel=1)
output c
"""


def wide_tiles_ref(ins, ws):
    a = F.relu(F.conv2d(ins[0], ws["a.weight"], ws["a.bias"]))
    b = F.relu(F.conv2d(a, ws["b.weight"], ws["b.bias"], stride=2, padding=1))
    return [F.conv2d(b, ws["c.weight"], ws["c.bias"])]


case("wide_tiles", WIDE_TILES, [rand(2, 8, 9, 27)],
     {"a.weight": rand(232, 8, 1, 1, scale=0.3), "a.bias": rand(232), "b.weight": rand(32, 232, 3, 3, scale=0.03),
      "b.bias": rand(32), "c.weight": rand(16, 32, 1, 1, scale=0.2), "c.bias": rand(16)}, wide_tiles_ref)

# --- hardsigmoid, broadcasting either operand, one-operand concat -----------
# (after the cases above, so that their random data stays as it was)
case("act_hardsigmoid", "network t\ninput x: f32[1, 2, 3, 40]\ny = hardsigmoid(x)\noutput y\n",
     [rand(1, 2, 3, 40, scale=4.0)], {}, lambda ins, ws: [F.hardsigmoid(ins[0])])
case("hardsigmoid_onnx", "network t\ninput x: f32[1, 50]\ny = hardsigmoid(x, alpha=0.2, beta=0.4)\noutput y\n",
     [rand(1, 50, scale=4.0)], {}, lambda ins, ws: [torch.clamp(0.2 * ins[0] + 0.4, 0.0, 1.0)])
conv_case("conv_act_hardsigmoid", (1, 3, 6, 6), 4, 3, activation="hardsigmoid",
          attrs=", kernel=3, activation=hardsigmoid")
case("mul_broadcast_first", "network t\ninput g: f32[1, 4, 1, 1]\ninput x: f32[1, 4, 3, 3]\nm = mul(g, x)\noutput m\n",
     [rand(1, 4, 1, 1), rand(1, 4, 3, 3)], {}, lambda ins, ws: [ins[0] * ins[1]])
case("broadcast_ranks",
     "network t\ninput a: f32[2, 3, 4, 5]\ninput b: f32[5]\ninput c: f32[3, 1, 1]\n"
     "s = add(a, b)\nm = mul(c, s, activation=relu)\noutput m\n",
     [rand(2, 3, 4, 5), rand(5), rand(3, 1, 1)], {}, lambda ins, ws: [F.relu(ins[2] * (ins[0] + ins[1]))])
case("broadcast_both", "network t\ninput a: f32[2, 1, 4, 1]\ninput b: f32[3, 1, 5]\ns = add(a, b)\noutput s\n",
     [rand(2, 1, 4, 1), rand(3, 1, 5)], {}, lambda ins, ws: [ins[0] + ins[1]])
case("concat_single", "network t\ninput x: f32[1, 3, 4, 4]\nr = relu(x)\ny = concat(r)\noutput y\n",
     [rand(1, 3, 4, 4)], {}, lambda ins, ws: [F.relu(ins[0])])
SQUEEZE_EXCITE = """network t
input x: f32[1, 8, 7, 7]
c = conv2d(x, filters=16, kernel=3, padding=1, activation=hardswish)
p = global_avgpool(c)
f1 = conv2d(p, filters=4, kernel=1, activation=relu)
f2 = conv2d(f1, filters=16, kernel=1)
g = hardsigmoid(f2)
y = mul(g, c)
output y
"""


def squeeze_excite_ref(ins, ws):
    c = F.hardswish(F.conv2d(ins[0], ws["c.weight"], ws["c.bias"], padding=1))
    f1 = F.relu(F.conv2d(c.mean((2, 3), keepdim=True), ws["f1.weight"], ws["f1.bias"]))
    return [F.hardsigmoid(F.conv2d(f1, ws["f2.weight"], ws["f2.bias"])) * c]


case("squeeze_excite", SQUEEZE_EXCITE, [rand(1, 8, 7, 7)],
     {"c.weight": rand(16, 8, 3, 3, scale=0.3), "c.bias": rand(16), "f1.weight": rand(4, 16, 1, 1, scale=0.3),
      "f1.bias": rand(4), "f2.weight": rand(16, 4, 1, 1, scale=0.3), "f2.bias": rand(16)}, squeeze_excite_ref)


# --- slice, channel_shuffle, resize -------------------------------------------
case("slice_channels", "network t\ninput x: f32[1, 6, 3, 4]\na = slice(x, axis=1, start=0, end=3)\n"
     "b = slice(x, axis=1, start=-3)\ny = add(b, a)\noutput y\n",
     [rand(1, 6, 3, 4)], {}, lambda ins, ws: [ins[0][:, 3:] + ins[0][:, :3]])
case("slice_width_step", "network t\ninput x: f32[2, 3, 4, 11]\ny = slice(x, axis=-1, start=1, end=100, step=3)\noutput y\n",
     [rand(2, 3, 4, 11)], {}, lambda ins, ws: [ins[0][..., 1::3]])
case("channel_shuffle", "network t\ninput x: f32[1, 12, 3, 5]\ny = channel_shuffle(x, groups=3)\noutput y\n",
     [rand(1, 12, 3, 5)], {}, lambda ins, ws: [F.channel_shuffle(ins[0], 3)])
for mode, size, align, shape in [("nearest", (10, 12), None, (1, 3, 5, 6)), ("nearest", (7, 4), None, (2, 2, 5, 9)),
                                 ("bilinear", (10, 13), False, (1, 3, 5, 6)), ("bilinear", (3, 4), False, (1, 2, 8, 9)),
                                 ("bilinear", (11, 7), True, (1, 3, 5, 6)), ("bilinear", (1, 5), True, (1, 2, 4, 3))]:
    attrs = f"size=({size[0]}, {size[1]}), mode={mode}" + ("" if align is None else f", align_corners={str(align).lower()}")
    case(f"resize_{mode}_{size[0]}x{size[1]}" + ("_align" if align else ""),
         f"network t\ninput x: f32{list(shape)}\ny = resize(x, {attrs})\noutput y\n", [rand(*shape)], {},
         lambda ins, ws, mode=mode, size=size, align=align: [F.interpolate(ins[0], size=size, mode=mode,
                                                                             align_corners=align)])
SHUFFLE_UNIT = """network t
input x: f32[1, 8, 6, 6]
a = slice(x, axis=1, end=4)
b = slice(x, axis=1, start=4)
c = conv2d(b, filters=4, kernel=3, padding=1, groups=4)
d = conv2d(c, filters=4, kernel=1, activation=relu)
y = concat(a, d)
z = channel_shuffle(y, groups=2)
up = resize(z, size=(12, 12), mode=bilinear)
output up
"""


def shuffle_unit_ref(ins, ws):
    a, b = ins[0].chunk(2, dim=1)
    d = F.relu(F.conv2d(F.conv2d(b, ws["c.weight"], ws["c.bias"], padding=1, groups=4), ws["d.weight"], ws["d.bias"]))
    z = F.channel_shuffle(torch.cat([a, d], 1), 2)
    return [F.interpolate(z, size=(12, 12), mode="bilinear", align_corners=False)]


case("shuffle_unit", SHUFFLE_UNIT, [rand(1, 8, 6, 6)],
     {"c.weight": rand(4, 1, 3, 3, scale=0.3), "c.bias": rand(4), "d.weight": rand(4, 4, 1, 1, scale=0.3),
      "d.bias": rand(4)}, shuffle_unit_ref)


# --- normalizations over the channels, and scale --------------------------
def layer_norm_2d(x, weight, bias, eps):
    """LayerNorm over the channels of NCHW (ConvNeXt's LayerNorm2d)."""
    return F.layer_norm(x.permute(0, 2, 3, 1), (x.shape[1],), weight, bias, eps).permute(0, 3, 1, 2)


CHANNEL_NORMS = """network t
input x: f32[2, 6, 5, 7]
a = layer_norm(x, eps=1e-6)
b = scale(a, bias=true)
c = l2_norm(b)
p = global_avgpool(c)
f = flatten(p)
g = layer_norm(f, affine=false)
output c, g
"""


def channel_norms_ref(ins, ws):
    a = layer_norm_2d(ins[0], ws["a.weight"], ws["a.bias"], 1e-6)
    c = F.normalize(a * ws["b.weight"].view(1, -1, 1, 1) + ws["b.bias"].view(1, -1, 1, 1))
    return [c, F.layer_norm(c.mean((2, 3)), (6,))]


case("channel_norms", CHANNEL_NORMS, [rand(2, 6, 5, 7, scale=3.0) + 1],
     {"a.weight": rand(6), "a.bias": rand(6), "b.weight": rand(6), "b.bias": rand(6)}, channel_norms_ref)

CONVNEXT_BLOCK = """network t
input x: f32[1, 8, 9, 9]
dw = conv2d(x, filters=8, kernel=7, padding=3, groups=8)
norm = layer_norm(dw, eps=1e-6)
up = conv2d(norm, filters=32, kernel=1, activation=gelu)
down = conv2d(up, filters=8, kernel=1)
gamma = scale(down)
out = add(gamma, x)
output out
"""


def convnext_block_ref(ins, ws):
    y = F.conv2d(ins[0], ws["dw.weight"], ws["dw.bias"], padding=3, groups=8)
    y = layer_norm_2d(y, ws["norm.weight"], ws["norm.bias"], 1e-6)
    y = F.gelu(F.conv2d(y, ws["up.weight"], ws["up.bias"]))
    y = F.conv2d(y, ws["down.weight"], ws["down.bias"])
    return [y * ws["gamma.weight"].view(1, -1, 1, 1) + ins[0]]


case("convnext_block", CONVNEXT_BLOCK, [rand(1, 8, 9, 9)],
     {"dw.weight": rand(8, 1, 7, 7, scale=0.2), "dw.bias": rand(8), "norm.weight": rand(8), "norm.bias": rand(8),
      "up.weight": rand(32, 8, 1, 1, scale=0.3), "up.bias": rand(32), "down.weight": rand(8, 32, 1, 1, scale=0.2),
      "down.bias": rand(8), "gamma.weight": rand(8)}, convnext_block_ref)

# --- sub, div, max, min, pow with broadcasting either way ------------------
BINARY_OPS = """network t
input a: f32[2, 3, 4, 5]
input b: f32[3, 1, 5]
s = sub(b, a)
d = div(a, b)
m = max(s, d)
n = min(b, m, activation=relu)
p = pow(a, b)
output n, p
"""


def binary_ops_ref(ins, ws):
    a, b = ins
    m = torch.maximum(b - a, a / b)
    return [F.relu(torch.minimum(b, m)), torch.pow(a, b)]


# Positive bases keep pow real; divisors away from 0 keep div well conditioned.
case("binary_ops", BINARY_OPS, [torch.rand(2, 3, 4, 5) + 0.5, torch.rand(3, 1, 5) * 2 + 0.5], {}, binary_ops_ref)

# --- exp, sqrt, erf; reduce_*; transpose and reshape ------------------------
case("unary_math", "network t\ninput x: f32[2, 3, 5, 19]\ne = exp(x)\nq = sqrt(e)\nf = erf(x)\noutput q, f\n",
     [rand(2, 3, 5, 19, scale=2.0)], {}, lambda ins, ws: [torch.sqrt(torch.exp(ins[0])), torch.erf(ins[0])])

REDUCTIONS = """network t
input x: f32[2, 6, 7, 9]
m = reduce_mean(x, axes=[2, 3], keepdims=true)
s = reduce_sum(x, axes=1)
x_max = reduce_max(x, axes=[-1, 0])
l = reduce_l2(x, axes=[1, 2], keepdims=true)
a = reduce_mean(x, keepdims=true)
output m, s, x_max, l, a
"""


def reductions_ref(ins, ws):
    x = ins[0]
    return [x.mean((2, 3), keepdim=True), x.sum(1), x.amax((3, 0)),
            torch.linalg.vector_norm(x, dim=(1, 2), keepdim=True), x.mean((0, 1, 2, 3), keepdim=True)]


case("reductions", REDUCTIONS, [rand(2, 6, 7, 9)], {}, reductions_ref)

# Between convolutions (NHWC tensors between channel kernels): a transpose
# to channels-last, a reshape that splits the channels, and their way back.
PERMUTES = """network t
input x: f32[1, 8, 6, 10]
c = conv2d(x, filters=16, kernel=3, padding=1)
t = transpose(c, perm=[0, 2, 3, 1])
r = reshape(t, shape=[6, 10, 4, -1])
s = reduce_max(r, axes=2)
b = transpose(s, perm=[2, 0, 1])
u = reshape(b, shape=[1, 4, 6, 10])
d = conv2d(u, filters=8, kernel=1)
output d, r
"""


def permutes_ref(ins, ws):
    c = F.conv2d(ins[0], ws["c.weight"], ws["c.bias"], padding=1)
    r = c.permute(0, 2, 3, 1).reshape(6, 10, 4, -1)
    u = r.amax(2).permute(2, 0, 1).reshape(1, 4, 6, 10)
    return [F.conv2d(u, ws["d.weight"], ws["d.bias"]), r]


case("transpose_reshape", PERMUTES, [rand(1, 8, 6, 10)],
     {"c.weight": rand(16, 8, 3, 3, scale=0.2), "c.bias": rand(16), "d.weight": rand(8, 4, 1, 1), "d.bias": rand(8)},
     permutes_ref)


# --- conv_transpose2d ------------------------------------------------------
def conv_transpose_case(name, in_shape, filters, kernel, stride=1, padding=(0, 0, 0, 0), output_padding=0,
                        dilation=1, groups=1, attrs=""):
    """padding (top, left, bottom, right) is cropped off the full output: PyTorch pads symmetrically."""
    kh, kw = pair(kernel)
    w = {"t.weight": rand(in_shape[1], filters // groups, kh, kw, scale=0.3), "t.bias": rand(filters, scale=0.3)}
    spec = f"network t\ninput x: f32{list(in_shape)}\nt = conv_transpose2d(x, filters={filters}{attrs})\noutput t\n"

    def ref(ins, ws):
        oph, opw = pair(output_padding)
        full = F.conv_transpose2d(ins[0], ws["t.weight"], ws["t.bias"], stride=stride, dilation=dilation,
                                  groups=groups, output_padding=(oph, opw))
        top, left, bottom, right = padding
        return [full[:, :, top:full.shape[2] - bottom, left:full.shape[3] - right]]
    case(name, spec, [rand(*in_shape)], w, ref)


conv_transpose_case("conv_transpose_stride2", (1, 8, 7, 9), 6, 3, stride=2, padding=(1, 1, 1, 1), output_padding=1,
                    attrs=", kernel=3, stride=2, padding=1, output_padding=1")
conv_transpose_case("conv_transpose_groups_dilation", (2, 6, 5, 6), 4, (3, 2), stride=(1, 3), dilation=2, groups=2,
                    padding=(2, 0, 2, 0), attrs=", kernel=(3, 2), stride=(1, 3), dilation=2, groups=2, padding=(2, 0)")
conv_transpose_case("conv_transpose_asymmetric", (1, 3, 4, 4), 5, 4, stride=2, padding=(1, 0, 2, 1),
                    attrs=", kernel=4, stride=2, padding=(1, 0, 2, 1)")

# --- matmul of two tensors, batch dimensions broadcast ----------------------
case("matmul", "network t\ninput a: f32[2, 1, 5, 7]\ninput b: f32[3, 7, 19]\np = matmul(a, b, activation=relu)\n"
     "output p\n", [rand(2, 1, 5, 7), rand(3, 7, 19)], {}, lambda ins, ws: [F.relu(torch.matmul(ins[0], ins[1]))])


# --- grouped convolutions in each kernel family ------------------------------
# With AVX-512: 16 filters a group take channel tiles (stored NHWC for the
# next), 8 a group at 14 wide half-vector channel tiles, strided ones 20 wide
# width tiles of channels, 4 a group row tiles.
GROUPED = """network t
input x: f32[1, 32, 14, 14]
input z: f32[1, 16, 40, 40]
a = conv2d(x, filters=32, kernel=3, padding=1, groups=2, activation=relu)
b = conv2d(a, filters=32, kernel=3, padding=1, groups=4)
c = conv2d(z, filters=16, kernel=3, stride=2, padding=1, groups=2, activation=relu)
d = conv2d(c, filters=16, kernel=3, padding=1, groups=4)
output b, d
"""


def grouped_ref(ins, ws):
    def conv(x, name, groups, stride=1):
        return F.conv2d(x, ws[f"{name}.weight"], ws[f"{name}.bias"], stride=stride, padding=1, groups=groups)
    a = F.relu(conv(ins[0], "a", 2))
    c = F.relu(conv(ins[1], "c", 2, stride=2))
    return [conv(a, "b", 4), conv(c, "d", 4)]


case("grouped_families", GROUPED, [rand(1, 32, 14, 14), rand(1, 16, 40, 40)],
     {"a.weight": rand(32, 16, 3, 3, scale=0.2), "a.bias": rand(32), "b.weight": rand(32, 8, 3, 3, scale=0.2),
      "b.bias": rand(32), "c.weight": rand(16, 8, 3, 3, scale=0.2), "c.bias": rand(16),
      "d.weight": rand(16, 4, 3, 3, scale=0.2), "d.bias": rand(16)}, grouped_ref)



# --- concats of channel vectors ----------------------------------------------
# With AVX-512: c (with its relu) and e copy each operand's channel vectors
# over NHWC (b's 24 channels end in half a vector); y, the network's output,
# takes width vectors instead.
CONCATS = """network t
input x: f32[1, 16, 10, 10]
s = conv2d(x, filters=32, kernel=3, padding=1, activation=relu)
p = maxpool(s, kernel=3, stride=1, padding=1)
a = conv2d(p, filters=16, kernel=1)
b = conv2d(p, filters=24, kernel=3, padding=1)
c = concat(p, a, b)
r = relu(c)
d = conv2d(r, filters=16, kernel=1)
e = concat(d, a)
g = conv2d(e, filters=16, kernel=3, padding=1)
y = concat(g, a)
output y
"""


def concats_ref(ins, ws):
    def conv(x, name, padding=0):
        return F.conv2d(x, ws[f"{name}.weight"], ws[f"{name}.bias"], padding=padding)
    p = F.max_pool2d(F.relu(conv(ins[0], "s", 1)), 3, stride=1, padding=1)
    a = conv(p, "a")
    r = F.relu(torch.cat([p, a, conv(p, "b", 1)], 1))
    g = conv(torch.cat([conv(r, "d"), a], 1), "g", 1)
    return [torch.cat([g, a], 1)]


case("concat_channel_vectors", CONCATS, [rand(1, 16, 10, 10)],
     {"s.weight": rand(32, 16, 3, 3, scale=0.2), "s.bias": rand(32), "a.weight": rand(16, 32, 1, 1, scale=0.2),
      "a.bias": rand(16), "b.weight": rand(24, 32, 3, 3, scale=0.1), "b.bias": rand(24),
      "d.weight": rand(16, 72, 1, 1, scale=0.2), "d.bias": rand(16), "g.weight": rand(16, 32, 3, 3, scale=0.1),
      "g.bias": rand(16)}, concats_ref)


# Constants (weights read as tensors) as either operand of the binary ops,
# across ranks, into a convolution's kernel (c's vectors over NHWC with AVX-512)
# and a concat.
CONSTANTS = """network t
input x: f32[1, 16, 6, 6]
c = conv2d(x, filters=16, kernel=3, padding=1)
k = constant(shape=[16, 6, 1])
m = mul(c, k, activation=relu)
e = constant(shape=[1])
p = pow(m, e)
b = constant(shape=[6, 6])
s = sub(b, p)
j = constant(shape=[1, 4, 6, 6])
y = concat(s, j)
output y
"""


def constants_ref(ins, ws):
    c = F.conv2d(ins[0], ws["c.weight"], ws["c.bias"], padding=1)
    p = torch.pow(F.relu(c * ws["k"]), ws["e"])
    return [torch.cat([ws["b"] - p, ws["j"]], 1)]


case("constant_operands", CONSTANTS, [rand(1, 16, 6, 6)],
     {"c.weight": rand(16, 16, 3, 3, scale=0.1), "c.bias": rand(16), "k": rand(16, 6, 1), "e": torch.tensor([2.0]),
      "b": rand(6, 6), "j": rand(1, 4, 6, 6)}, constants_ref)


# Channel counts that are not a multiple of the vector (AVX-512: 24 and 72 of
# 16), as in MnasNet's and MobileNetV3's early blocks: channel tiles over
# NHWC whose last block shifts inwards, and whatever the schedule (a schedule
# file, a future default) does with the depthwise, pool and add after them.
PARTIAL_VECTORS = """network t
input x: f32[1, 16, 12, 12]
a = conv2d(x, filters=48, kernel=3, padding=1, activation=relu)
d = conv2d(a, filters=48, kernel=3, stride=2, padding=1, groups=48, activation=relu)
p = conv2d(d, filters=24, kernel=1)
e = conv2d(p, filters=72, kernel=1, activation=relu)
w = conv2d(e, filters=72, kernel=5, padding=2, groups=72)
m = maxpool(w, kernel=3, stride=1, padding=1)
y = conv2d(m, filters=24, kernel=1)
s = add(y, p)
output s
"""


def partial_vectors_ref(ins, ws):
    def conv(x, name, **kw):
        return F.conv2d(x, ws[f"{name}.weight"], ws[f"{name}.bias"], **kw)
    d = F.relu(conv(F.relu(conv(ins[0], "a", padding=1)), "d", stride=2, padding=1, groups=48))
    p = conv(d, "p")
    w = conv(F.relu(conv(p, "e")), "w", padding=2, groups=72)
    return [conv(F.max_pool2d(w, 3, stride=1, padding=1), "y") + p]


case("partial_channel_vectors", PARTIAL_VECTORS, [rand(1, 16, 12, 12)],
     {"a.weight": rand(48, 16, 3, 3, scale=0.2), "a.bias": rand(48), "d.weight": rand(48, 1, 3, 3, scale=0.3),
      "d.bias": rand(48), "p.weight": rand(24, 48, 1, 1, scale=0.2), "p.bias": rand(24),
      "e.weight": rand(72, 24, 1, 1, scale=0.2), "e.bias": rand(72), "w.weight": rand(72, 1, 5, 5, scale=0.2),
      "w.bias": rand(72), "y.weight": rand(24, 72, 1, 1, scale=0.1), "y.bias": rand(24)}, partial_vectors_ref)


# --precision bf16: conv2d and dense multiply inputs and weights rounded to
# bf16 (to nearest even, as torch's .bfloat16()); their products are exact in
# f32, so the reference rounds both and computes in f32 as Kiln does, the
# layers fused after them too. Each case takes another of Kiln's kernel
# families: channel tiles (and a pool fused in), width vectors of a few
# channels, depthwise, grouped, and dense at batch 1 and 2.
def bf16(t):
    return t.bfloat16().float()


BF16_NET = """network bf16_net
input x: f32[1, 3, 18, 18]
stem = conv2d(x, filters=32, kernel=3, stride=2, padding=1)
bn = batchnorm(stem)
r = relu(bn)
c1 = conv2d(r, filters=64, kernel=3, padding=1, activation=relu)
p = maxpool(c1, kernel=2)
dw = conv2d(p, filters=64, kernel=3, padding=1, groups=64, activation=relu6)
g = conv2d(dw, filters=64, kernel=1, groups=4)
s = add(g, p)
flat = flatten(s)
fc = dense(flat, units=10)
output fc
"""


def bf16_net_weights():
    w = {"stem.weight": rand(32, 3, 3, 3, scale=0.3), "stem.bias": rand(32, scale=0.1),
         "c1.weight": rand(64, 32, 3, 3, scale=0.06), "c1.bias": rand(64, scale=0.1),
         "dw.weight": rand(64, 1, 3, 3, scale=0.3), "dw.bias": rand(64, scale=0.1),
         "g.weight": rand(64, 16, 1, 1, scale=0.25), "g.bias": rand(64, scale=0.1),
         "fc.weight": rand(10, 64 * 4 * 4, scale=0.03), "fc.bias": rand(10, scale=0.1)}
    w.update(bn_weights("bn", 32))
    return w


def bf16_net_ref(ins, ws):
    def conv(x, name, **kw):
        return F.conv2d(bf16(x), bf16(ws[name + ".weight"]), ws[name + ".bias"], **kw)
    y = F.relu(bn_ref(conv(ins[0], "stem", stride=2, padding=1), ws, "bn"))
    p = F.max_pool2d(F.relu(conv(y, "c1", padding=1)), 2)
    y = F.relu6(conv(p, "dw", padding=1, groups=64))
    y = conv(y, "g", groups=4) + p
    return [F.linear(bf16(torch.flatten(y, 1)), bf16(ws["fc.weight"]), ws["fc.bias"])]


case("bf16_net", BF16_NET, [rand(1, 3, 18, 18)], bf16_net_weights(), bf16_net_ref, precision="bf16")
case("bf16_dense_batch2", "network t\ninput x: f32[2, 300]\nd = dense(x, units=70)\noutput d\n",
     [rand(2, 300)], {"d.weight": rand(70, 300, scale=0.06), "d.bias": rand(70, scale=0.1)},
     lambda ins, ws: [F.linear(bf16(ins[0]), bf16(ws["d.weight"]), ws["d.bias"])], precision="bf16")


# --precision int8: a conv2d's or dense's input quantized to u8 with the
# case's qparams (x * float32(1 / scale), rounded half to even, plus the
# zero point, clamped to 0..255), its weight to s8 per output channel
# (w / (max |w| / 127), rounded half to even): their products are whole
# numbers, summed exactly here in f64 (s32 in Kiln), then scaled back in f32
# as Kiln does: (sum - zero_point * sum of the weights) * (scale * weight
# scale) + bias. The ranges clip some inputs (x's at about 2 sigma).
def int8_input(x, scale, zero):
    level = torch.round(x * torch.tensor(1.0 / scale, dtype=torch.float32)) + zero
    return torch.clamp(level, 0, 255) - zero


def int8_weight(w):
    largest = w.reshape(w.shape[0], -1).abs().max(1).values
    scale = torch.where(largest > 0, largest / 127, torch.ones_like(largest))
    return torch.clamp(torch.round(w / scale.view(-1, *[1] * (w.dim() - 1))), -127, 127), scale


INT8_QPARAMS = {"x": (4.0 / 255, 128), "r": (0.012, 0), "p": (0.015, 3), "dw": (0.01, 0), "flat": (0.04, 100)}


def int8_net_ref(ins, ws):
    def conv(x, tensor, name, **kw):
        scale, zero = INT8_QPARAMS[tensor]
        levels, w_scale = int8_weight(ws[name + ".weight"])
        sums = F.conv2d(int8_input(x, scale, zero).double(), levels.double(), **kw).float()
        return sums * (torch.tensor(scale, dtype=torch.float32) * w_scale).view(1, -1, 1, 1) + \
            ws[name + ".bias"].view(1, -1, 1, 1)
    r = F.relu(bn_ref(conv(ins[0], "x", "stem", stride=2, padding=1), ws, "bn"))
    p = F.max_pool2d(F.relu(conv(r, "r", "c1", padding=1)), 2)
    dw = F.relu6(conv(p, "p", "dw", padding=1, groups=64))
    s = conv(dw, "dw", "g", groups=4) + p
    scale, zero = INT8_QPARAMS["flat"]
    levels, w_scale = int8_weight(ws["fc.weight"])
    sums = F.linear(int8_input(torch.flatten(s, 1), scale, zero).double(), levels.double()).float()
    return [sums * (torch.tensor(scale, dtype=torch.float32) * w_scale) + ws["fc.bias"]]


# --precision int8 leaves grouped convolutions and one of 3 input channels
# in f32: the sections put them in int8 too.
case("int8_net", BF16_NET.replace("bf16_net", "int8_net"), [rand(1, 3, 18, 18)], bf16_net_weights(), int8_net_ref,
     precision="int8", qparams=INT8_QPARAMS,
     schedule="[stem]\nprecision = int8\n[dw]\nprecision = int8\n[g]\nprecision = int8\n")


# An inverted-residual stage as the default plans it (cases above keep their
# random draws): a 1x1 expansion of NCHW input feeding a stride-2 depthwise
# layer takes channel tiles and stores NHWC, the depthwise reads it in
# channel windows, and the next expansion (its input kept NCHW by the
# residual add) takes flattened width tiles (flat-over-nchw).
STRIDED_BLOCK = """network strided_block
input x: f32[1, 16, 32, 32]
e = conv2d(x, filters=32, kernel=1, activation=relu6)
d = conv2d(e, filters=32, kernel=5, stride=2, padding=2, groups=32, activation=relu6)
p = conv2d(d, filters=56, kernel=1)
q = conv2d(p, filters=168, kernel=1, activation=relu6)
w = conv2d(q, filters=168, kernel=3, padding=1, groups=168, activation=relu6)
r = conv2d(w, filters=56, kernel=1)
s = add(r, p)
output s
"""


def strided_block_ref(ins, ws):
    e = F.relu6(F.conv2d(ins[0], ws["e.weight"], ws["e.bias"]))
    d = F.relu6(F.conv2d(e, ws["d.weight"], ws["d.bias"], stride=2, padding=2, groups=32))
    p = F.conv2d(d, ws["p.weight"], ws["p.bias"])
    q = F.relu6(F.conv2d(p, ws["q.weight"], ws["q.bias"]))
    w = F.relu6(F.conv2d(q, ws["w.weight"], ws["w.bias"], padding=1, groups=168))
    return [F.conv2d(w, ws["r.weight"], ws["r.bias"]) + p]


case("strided_block", STRIDED_BLOCK, [rand(1, 16, 32, 32)],
     {"e.weight": rand(32, 16, 1, 1, scale=0.3), "e.bias": rand(32), "d.weight": rand(32, 1, 5, 5, scale=0.2),
      "d.bias": rand(32), "p.weight": rand(56, 32, 1, 1, scale=0.2), "p.bias": rand(56),
      "q.weight": rand(168, 56, 1, 1, scale=0.2), "q.bias": rand(168), "w.weight": rand(168, 1, 3, 3, scale=0.3),
      "w.bias": rand(168), "r.weight": rand(56, 168, 1, 1, scale=0.1), "r.bias": rand(56)},
     strided_block_ref)


# A bottleneck whose last 1x1 layer fuses the residual add, both NHWC: its
# channel tiles (5 vectors, the last tile shifted inwards) go row by row
# (row_tasks: its output, 280 KB, exceeds an eighth of a 1-2 MB L2),
# reading each row of the residual whole.
BOTTLENECK_ROWS = """network bottleneck_rows
input x: f32[1, 16, 28, 32]
s = conv2d(x, filters=80, kernel=3, padding=1, activation=relu)
a = conv2d(s, filters=32, kernel=1, activation=relu)
b = conv2d(a, filters=32, kernel=3, padding=1, activation=relu)
c = conv2d(b, filters=80, kernel=1)
r = add(c, s)
o = relu(r)
d = conv2d(o, filters=32, kernel=1)
output d
"""


def bottleneck_rows_ref(ins, ws):
    s = F.relu(F.conv2d(ins[0], ws["s.weight"], ws["s.bias"], padding=1))
    a = F.relu(F.conv2d(s, ws["a.weight"], ws["a.bias"]))
    b = F.relu(F.conv2d(a, ws["b.weight"], ws["b.bias"], padding=1))
    o = F.relu(F.conv2d(b, ws["c.weight"], ws["c.bias"]) + s)
    return [F.conv2d(o, ws["d.weight"], ws["d.bias"])]


def bottleneck_weights(channels):
    """The bottleneck's weights, s and c of `channels` filters."""
    return {"s.weight": rand(channels, 16, 3, 3, scale=0.1), "s.bias": rand(channels),
            "a.weight": rand(32, channels, 1, 1, scale=0.2), "a.bias": rand(32),
            "b.weight": rand(32, 32, 3, 3, scale=0.1), "b.bias": rand(32),
            "c.weight": rand(channels, 32, 1, 1, scale=0.2), "c.bias": rand(channels),
            "d.weight": rand(32, channels, 1, 1, scale=0.2), "d.bias": rand(32)}


case("bottleneck_rows", BOTTLENECK_ROWS, [rand(1, 16, 28, 32)], bottleneck_weights(80),
     bottleneck_rows_ref, atol_of_largest=1e-5)  # s and b are Winograd's


# Channels that native vectors do not divide, more than five half vectors
# (72, 56): native channel tiles over one flat block of weights, each
# layer's last tile shifted inwards off the vectors; batch 2, 1x1 and a strided 3x3.
FLAT_WEIGHT_BLOCK = """network flat_weight_block
input x: f32[2, 16, 9, 11]
a = conv2d(x, filters=32, kernel=3, padding=1, activation=relu)
b = conv2d(a, filters=72, kernel=1)
c = conv2d(b, filters=56, kernel=3, stride=2, padding=1, activation=relu)
output c
"""


def flat_weight_block_ref(ins, ws):
    a = F.relu(F.conv2d(ins[0], ws["a.weight"], ws["a.bias"], padding=1))
    b = F.conv2d(a, ws["b.weight"], ws["b.bias"])
    return [F.relu(F.conv2d(b, ws["c.weight"], ws["c.bias"], stride=2, padding=1))]


case("flat_weight_block", FLAT_WEIGHT_BLOCK, [rand(2, 16, 9, 11)],
     {"a.weight": rand(32, 16, 3, 3, scale=0.1), "a.bias": rand(32), "b.weight": rand(72, 32, 1, 1, scale=0.2),
      "b.bias": rand(72), "c.weight": rand(56, 72, 3, 3, scale=0.05), "c.bias": rand(56)},
     flat_weight_block_ref)

# ... with row tasks: 88 channels (5.5 vectors) in tiles of 2, the shifted
# last one fused with the rows into one loop.
FLAT_WEIGHT_ROWS = """network flat_weight_rows
input x: f32[1, 24, 10, 12]
a = conv2d(x, filters=32, kernel=1, activation=relu)
b = conv2d(a, filters=88, kernel=3, padding=1)
output b
"""


def flat_weight_rows_ref(ins, ws):
    a = F.relu(F.conv2d(ins[0], ws["a.weight"], ws["a.bias"]))
    return [F.conv2d(a, ws["b.weight"], ws["b.bias"], padding=1)]


case("flat_weight_rows", FLAT_WEIGHT_ROWS, [rand(1, 24, 10, 12)],
     {"a.weight": rand(32, 24, 1, 1, scale=0.2), "a.bias": rand(32), "b.weight": rand(88, 32, 3, 3, scale=0.1),
      "b.bias": rand(88)},
     flat_weight_rows_ref,
     schedule="[b]\nwinograd = false\nvectorize = channels\nvector_width = 16\ntile_channels = 2\n"
              "row_tasks = true\nparallel = true\nrows_per_task = 4\n")


# Norms between kernels of channel vectors take channel vectors themselves
# (NHWC): their sums over a pixel's channels a vector at a time, the last one
# partial (40 channels in 16 lanes) or whole (32).
CHANNEL_NORM_VECTORS = """network t
input x: f32[2, 24, 6, 7]
u = conv2d(x, filters=40, kernel=1)
n = layer_norm(u, eps=1e-6)
e = conv2d(n, filters=32, kernel=3, padding=1)
l = l2_norm(e)
d = conv2d(l, filters=16, kernel=1)
output d
"""


def channel_norm_vectors_ref(ins, ws):
    u = F.conv2d(ins[0], ws["u.weight"], ws["u.bias"])
    n = layer_norm_2d(u, ws["n.weight"], ws["n.bias"], 1e-6)
    e = F.normalize(F.conv2d(n, ws["e.weight"], ws["e.bias"], padding=1))
    return [F.conv2d(e, ws["d.weight"], ws["d.bias"])]


case("channel_norm_vectors", CHANNEL_NORM_VECTORS, [rand(2, 24, 6, 7)],
     {"u.weight": rand(40, 24, 1, 1, scale=0.3), "u.bias": rand(40) + 2, "n.weight": rand(40), "n.bias": rand(40),
      "e.weight": rand(32, 40, 3, 3, scale=0.1), "e.bias": rand(32), "d.weight": rand(16, 32, 1, 1, scale=0.3),
      "d.bias": rand(16)}, channel_norm_vectors_ref)


# A 7x7 image, one tile a row, whose tile of weights exceeds L1 (560 input
# channels): its pixels as one row of tiles, in passes over 128 input channels
# (the last of 48), the 48 output channels in a tile of 2 vectors and one
# shifted inwards.
case("small_image_passes",
     "network t\ninput x: f32[1, 560, 7, 7]\nc = conv2d(x, filters=48, kernel=1, activation=relu)\noutput c\n",
     [rand(1, 560, 7, 7)], {"c.weight": rand(48, 560, 1, 1, scale=0.05), "c.bias": rand(48)},
     lambda ins, ws: [F.relu(F.conv2d(ins[0], ws["c.weight"], ws["c.bias"]))])


# fake_quantize is PyTorch's: x times f32(1 / scale) rounded half to even (a
# row of exact ties at scale 0.25), clamped to the grid; the scale an f32.
def fake_quantize(x, scale, zero, low=0, high=255):
    return torch.fake_quantize_per_tensor_affine(x, float(np.float32(scale)), zero, low, high)


def fake_quantize_inputs():
    x = rand(1, 4, 5, 6, scale=3.0)
    x[0, 0] = ((torch.arange(30) - 15) * 0.125).view(5, 6)
    return [x]


case("fake_quantize_grids",
     "network t\ninput x: f32[1, 4, 5, 6]\nu = fake_quantize(x, scale=0.03, zero_point=128)\n"
     "s = fake_quantize(x, scale=0.25, zero_point=-3, min=-128, max=127)\noutput u, s\n",
     fake_quantize_inputs(), {},
     lambda ins, ws: [fake_quantize(ins[0], 0.03, 128), fake_quantize(ins[0], 0.25, -3, -128, 127)])


# --precision int8 without --qparams: each conv2d reads a fake_quantize's grid
# (a signed one as u8: levels + 128, zero point 5 + 128), as an imported
# quantized model's layers do.
def int8_fake_quantized_ref(ins, ws):
    def conv(x, name, scale, zero, **kw):
        levels, w_scale = int8_weight(ws[name + ".weight"])
        sums = F.conv2d(int8_input(x, scale, zero).double(), levels.double(), **kw).float()
        return sums * (torch.tensor(scale, dtype=torch.float32) * w_scale).view(1, -1, 1, 1) + \
            ws[name + ".bias"].view(1, -1, 1, 1)
    q = fake_quantize(ins[0], 0.02, 5, -128, 127)
    r = fake_quantize(F.relu(conv(q, "c", 0.02, 133, padding=1)), 0.05, 0)
    return [conv(r, "d", 0.05, 0)]


case("int8_fake_quantized",
     "network t\ninput x: f32[1, 8, 9, 10]\nq = fake_quantize(x, scale=0.02, zero_point=5, min=-128, max=127)\n"
     "c = conv2d(q, filters=16, kernel=3, padding=1, activation=relu)\nr = fake_quantize(c, scale=0.05)\n"
     "d = conv2d(r, filters=8, kernel=1)\noutput d\n",
     [rand(1, 8, 9, 10, scale=1.5)],
     {"c.weight": rand(16, 8, 3, 3, scale=0.2), "c.bias": rand(16, scale=0.3), "d.weight": rand(8, 16, 1, 1, scale=0.3),
      "d.bias": rand(8, scale=0.3)},
     int8_fake_quantized_ref, precision="int8")


# A residual add written in place of its other operand (InPlaceOutputs): the
# bottleneck above with 64 channels, which c's channel tiles (row by row)
# divide, so o takes the memory of s, which c reads last. Rows of 31 pixels
# end in a shifted tile, which computes some pixels twice; the tail, a pass
# of its own over each row, reads and writes each element once. Batch 2.
RESIDUAL_IN_PLACE = BOTTLENECK_ROWS.replace("bottleneck_rows", "residual_in_place").replace(
    "[1, 16, 28, 32]", "[2, 16, 28, 31]").replace("filters=80", "filters=64")
case("residual_in_place", RESIDUAL_IN_PLACE, [rand(2, 16, 28, 31)], bottleneck_weights(64),
     bottleneck_rows_ref, atol_of_largest=1e-5)  # s and b are Winograd's


# Tiles of three vectors over rows of 7 (AVX2's default there): 104 channels
# (13 vectors) in tiles of 3, the last shifted inwards.
THIRDS_SHIFTED = """network thirds_shifted
input x: f32[2, 16, 7, 7]
a = conv2d(x, filters=32, kernel=3, padding=1, activation=relu)
b = conv2d(a, filters=104, kernel=1, activation=relu)
output b
"""


def thirds_shifted_ref(ins, ws):
    a = F.relu(F.conv2d(ins[0], ws["a.weight"], ws["a.bias"], padding=1))
    return [F.relu(F.conv2d(a, ws["b.weight"], ws["b.bias"]))]


case("thirds_shifted", THIRDS_SHIFTED, [rand(2, 16, 7, 7)],
     {"a.weight": rand(32, 16, 3, 3, scale=0.1), "a.bias": rand(32), "b.weight": rand(104, 32, 1, 1, scale=0.2),
      "b.bias": rand(104)},
     thirds_shifted_ref,
     schedule="[b]\nwinograd = false\nvectorize = channels\nvector_width = 8\ntile_channels = 3\ntile_width = 4\n"
              "parallel = true\nrows_per_task = 2\n")


# A grouped stride-2 convolution (2 groups of 16 channels) over a 1x1's NHWC
# output, its padded rows' taps left out: 21 rows reach the bottom padding,
# 20 columns only the left.
GROUPED_STRIDED = """network grouped_strided
input x: f32[2, 16, 21, 20]
a = conv2d(x, filters=32, kernel=1, activation=relu)
g = conv2d(a, filters=32, kernel=3, stride=2, padding=1, groups=2, activation=relu)
output g
"""


def grouped_strided_ref(ins, ws):
    a = F.relu(F.conv2d(ins[0], ws["a.weight"], ws["a.bias"]))
    return [F.relu(F.conv2d(a, ws["g.weight"], ws["g.bias"], stride=2, padding=1, groups=2))]


case("grouped_strided", GROUPED_STRIDED, [rand(2, 16, 21, 20)],
     {"a.weight": rand(32, 16, 1, 1, scale=0.2), "a.bias": rand(32), "g.weight": rand(32, 16, 3, 3, scale=0.1),
      "g.bias": rand(32)},
     grouped_strided_ref)


# Global pools over channel vectors in bands of rows summed apart by threads
# (rfactor), the last band short (47 rows in bands of 5), then added.
GLOBAL_POOL_BANDS = """network global_pool_bands
input x: f32[2, 16, 47, 50]
c = conv2d(x, filters=24, kernel=3, padding=1, activation=relu)
g = global_avgpool(c)
m = global_maxpool(c)
output g, m
"""


def global_pool_bands_ref(ins, ws):
    c = F.relu(F.conv2d(ins[0], ws["c.weight"], ws["c.bias"], padding=1))
    return [c.mean((2, 3), keepdim=True), c.amax((2, 3), keepdim=True)]


case("global_pool_bands", GLOBAL_POOL_BANDS, [rand(2, 16, 47, 50)],
     {"c.weight": rand(24, 16, 3, 3, scale=0.1), "c.bias": rand(24)}, global_pool_bands_ref,
     schedule="".join(f"[{p}]\nvectorize = channels\nvector_width = 8\nparallel = true\nrows_per_task = 5\n"
                      for p in "gm"))


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    for name, spec, inputs, weights, reference, atol_of_largest, precision, qparams, schedule in CASES:
        d = os.path.join(OUT, name)
        os.makedirs(d)
        with open(os.path.join(d, "net.kiln"), "w") as f:
            f.write(spec)
        if weights:
            save_safetensors(os.path.join(d, "weights.safetensors"), {k: v.numpy() for k, v in weights.items()})
        for i, x in enumerate(inputs):
            save_npy(os.path.join(d, f"input{i}.npy"), x.numpy())
        with torch.no_grad():
            outputs = reference(inputs, weights)
        for i, y in enumerate(outputs):
            save_npy(os.path.join(d, f"expected{i}.npy"), y.numpy())
        if atol_of_largest:
            largest = max(float(y.abs().max()) for y in outputs)
            with open(os.path.join(d, "tolerance"), "w") as f:
                f.write(f"--atol {atol_of_largest * largest:.3g}\n")
        if precision:
            with open(os.path.join(d, "precision"), "w") as f:
                f.write(precision + "\n")
        if schedule:
            with open(os.path.join(d, "schedule"), "w") as f:
                f.write(schedule)
        if qparams:
            with open(os.path.join(d, "qparams"), "w") as f:
                json.dump({"format": "kiln-qparams 1", "tensors": {t: {"scale": sc, "zero_point": z}
                                                                   for t, (sc, z) in qparams.items()}}, f, indent=2)
    print(f"wrote {len(CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()

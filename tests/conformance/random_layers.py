#!/usr/bin/python3
"""Randomly generated layers of every op, checked against PyTorch.

    /usr/bin/python3 tests/conformance/random_layers.py --kiln build/bin/kiln [--cases 150] [--seed 1]

Draws layers with random shapes and attribute combinations (every padding
form, stride, dilation, groups, ceil_mode, count_include_pad, bias, fused
activation, broadcasting, axes...), puts them side by side in one network
(one input set and one output per layer), runs it once with `kiln run`, and
compares each output with PyTorch's within |kiln - torch| <= 1e-5 + 1e-4 |torch|.
Prints a line per op and every failing layer; exits 1 if any fails.
"""
import argparse
import collections
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from kiln_io import save_npy, save_safetensors  # noqa: E402
from torch_reference import activation as act, pool, torch_padding as torch_pad  # noqa: E402

ACTIVATIONS = ["none", "relu", "relu6", "sigmoid", "tanh", "silu", "hardswish", "gelu", "leaky_relu"]
RTOL, ATOL = 1e-4, 1e-5


def shape_text(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


class Case:
    """One layer: its op, attribute text, inputs, weights and PyTorch reference.
    constants: operands that are `constant` layers (weights under the same
    key), after the inputs or, with constants_first, before them."""

    def __init__(self, op, attrs, inputs, weights, reference, constants=(), constants_first=False):
        self.op, self.attrs, self.inputs, self.weights, self.reference = op, attrs, inputs, weights, reference
        self.constants, self.constants_first = list(constants), constants_first


def padding_form(r, kernel, allow_same, limit):
    """Returns (attribute text or None, (top, left, bottom, right) or 'same')."""
    form = r.choice(["none", "int", "pair", "quad"] + (["same", "valid"] if allow_same else []))
    if form == "none":
        return None, (0, 0, 0, 0)
    if form == "valid":
        return "padding=valid", (0, 0, 0, 0)
    if form == "same":
        return "padding=same", "same"
    if form == "int":
        p = r.randint(0, limit)
        return f"padding={p}", (p, p, p, p)
    if form == "pair":
        ph, pw = r.randint(0, limit), r.randint(0, limit)
        return f"padding=({ph}, {pw})", (ph, pw, ph, pw)
    t, l, b, rr = (r.randint(0, limit) for _ in range(4))
    return f"padding=({t}, {l}, {b}, {rr})", (t, l, b, rr)


def same_padding(size, k, s, d):
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def resolve(padding, h, w, kh, kw, sh, sw, dh, dw):
    if padding != "same":
        return padding
    t, b = same_padding(h, kh, sh, dh)
    l, rr = same_padding(w, kw, sw, dw)
    return (t, l, b, rr)


def gen_conv(r):
    n = r.randint(1, 2)
    groups = r.choice([1, 1, 2, 3, "depthwise", "vector groups"])
    if groups == "depthwise":
        c = r.randint(1, 8)
        groups, k = c, c * r.randint(1, 2)
    elif groups == "vector groups":  # 8 or 16 filters a group: channel tiles of whole or half vectors
        groups = r.randint(2, 3)
        c, k = groups * r.randint(1, 4), groups * r.choice([8, 16])
    else:
        c = groups * r.randint(1, 4)
        k = groups * r.randint(1, 4)
    kh, kw = r.randint(1, 5), r.randint(1, 5)
    sh, sw = r.randint(1, 3), r.randint(1, 3)
    dh, dw = r.randint(1, 2), r.randint(1, 2)
    pad_attr, padding = padding_form(r, max(kh, kw), True, 2)
    h = r.randint((kh - 1) * dh + 1, (kh - 1) * dh + 9)
    w = r.randint((kw - 1) * dw + 1, (kw - 1) * dw + 12)
    bias = r.random() < 0.7
    activation = r.choice(ACTIVATIONS)
    attrs = [f"filters={k}", f"kernel=({kh}, {kw})" if kh != kw or r.random() < 0.3 else f"kernel={kh}",
             f"stride=({sh}, {sw})", f"dilation=({dh}, {dw})", f"groups={groups}",
             f"bias={'true' if bias else 'false'}", f"activation={activation}"]
    if pad_attr:
        attrs.append(pad_attr)
    p = resolve(padding, h, w, kh, kw, sh, sw, dh, dw)
    x = torch.randn(n, c, h, w)
    weights = {"weight": torch.randn(k, c // groups, kh, kw) * 0.3}
    if bias:
        weights["bias"] = torch.randn(k) * 0.3

    def ref(ins, ws):
        y = F.conv2d(F.pad(ins[0], torch_pad(p)), ws["weight"], ws.get("bias"), (sh, sw), 0, (dh, dw), groups)
        return act(y, activation)
    return Case("conv2d", attrs, [x], weights, ref)


def gen_conv_transpose(r):
    groups = r.choice([1, 1, 2])
    c, k = groups * r.randint(1, 4), groups * r.randint(1, 4)
    kh, kw = r.randint(1, 4), r.randint(1, 4)
    sh, sw = r.randint(1, 3), r.randint(1, 3)
    dh, dw = r.randint(1, 2), r.randint(1, 2)
    h, w = r.randint(1, 7), r.randint(1, 9)
    oh, ow = r.randrange(max(sh, dh)), r.randrange(max(sw, dw))
    # Crop at most what leaves one output pixel along each axis.
    full_h, full_w = (h - 1) * sh + dh * (kh - 1) + 1 + oh, (w - 1) * sw + dw * (kw - 1) + 1 + ow
    top, bottom = r.randint(0, (full_h - 1) // 2), r.randint(0, (full_h - 1) // 2)
    left, right = r.randint(0, (full_w - 1) // 2), r.randint(0, (full_w - 1) // 2)
    activation = r.choice(ACTIVATIONS)
    attrs = [f"filters={k}", f"kernel=({kh}, {kw})", f"stride=({sh}, {sw})", f"dilation=({dh}, {dw})",
             f"padding=({top}, {left}, {bottom}, {right})", f"output_padding=({oh}, {ow})", f"groups={groups}",
             f"activation={activation}"]
    weights = {"weight": torch.randn(c, k // groups, kh, kw) * 0.3, "bias": torch.randn(k) * 0.3}

    def ref(ins, ws):
        y = F.conv_transpose2d(ins[0], ws["weight"], ws["bias"], (sh, sw), 0, (oh, ow), groups, (dh, dw))
        return act(y[:, :, top:y.shape[2] - bottom, left:y.shape[3] - right], activation)
    return Case("conv_transpose2d", attrs, [torch.randn(r.randint(1, 2), c, h, w)], weights, ref)


def gen_pool(r, kind):
    n, c = r.randint(1, 2), r.randint(1, 4)
    kh, kw = r.randint(1, 4), r.randint(1, 4)
    sh, sw = r.randint(1, 3), r.randint(1, 3)
    dh, dw = (r.randint(1, 2), r.randint(1, 2)) if kind == "maxpool" else (1, 1)
    # PyTorch expresses ceil_mode only with symmetric padding of at most half the kernel.
    ceil_mode = r.random() < 0.4
    if ceil_mode:
        ph, pw = r.randint(0, kh // 2), r.randint(0, kw // 2)
        pad_attr, padding = f"padding=({ph}, {pw})", (ph, pw, ph, pw)
    else:
        pad_attr, padding = padding_form(r, max(kh, kw), True, 3)
    h = r.randint((kh - 1) * dh + 1, (kh - 1) * dh + 9)
    w = r.randint((kw - 1) * dw + 1, (kw - 1) * dw + 9)
    p = resolve(padding, h, w, kh, kw, sh, sw, dh, dw)
    include = r.random() < 0.5
    attrs = [f"kernel=({kh}, {kw})", f"stride=({sh}, {sw})", f"ceil_mode={'true' if ceil_mode else 'false'}"]
    if kind == "maxpool":
        attrs.append(f"dilation=({dh}, {dw})")
    else:
        attrs.append(f"count_include_pad={'true' if include else 'false'}")
    if pad_attr:
        attrs.append(pad_attr)
    x = torch.randn(n, c, h, w)

    def ref(ins, ws):
        return pool(kind, ins[0], (kh, kw), (sh, sw), p, (dh, dw), ceil_mode, include)
    return Case(kind, attrs, [x], {}, ref)


def gen_global_pool(r, kind):
    x = torch.randn(r.randint(1, 2), r.randint(1, 5), r.randint(1, 9), r.randint(1, 9))
    fn = (lambda t: t.mean((2, 3), keepdim=True)) if kind == "global_avgpool" else (lambda t: t.amax((2, 3), keepdim=True))
    return Case(kind, [], [x], {}, lambda ins, ws: fn(ins[0]))


def gen_dense(r):
    n, f, units = r.randint(1, 3), r.randint(1, 40), r.randint(1, 40)
    bias, activation = r.random() < 0.7, r.choice(ACTIVATIONS)
    weights = {"weight": torch.randn(units, f) * 0.3}
    if bias:
        weights["bias"] = torch.randn(units) * 0.3
    attrs = [f"units={units}", f"bias={'true' if bias else 'false'}", f"activation={activation}"]
    return Case("dense", attrs, [torch.randn(n, f)], weights,
                lambda ins, ws: act(F.linear(ins[0], ws["weight"], ws.get("bias")), activation))


def random_shape(r, low=1, high=4):
    return [r.randint(1, 4) for _ in range(r.randint(low, high))]


def gen_flatten(r):
    return Case("flatten", [], [torch.randn(*random_shape(r, 2, 5))], {}, lambda ins, ws: torch.flatten(ins[0], 1))


def gen_batchnorm(r):
    shape = random_shape(r, 2, 4)
    c = shape[1]
    eps, affine = r.choice([1e-5, 1e-3, 0.1]), r.random() < 0.7
    weights = {"running_mean": torch.randn(c), "running_var": torch.rand(c) + 0.2}
    if affine:
        weights["weight"], weights["bias"] = torch.randn(c), torch.randn(c)
    return Case("batchnorm", [f"eps={eps}", f"affine={'true' if affine else 'false'}"], [torch.randn(*shape)], weights,
                lambda ins, ws: F.batch_norm(ins[0], ws["running_mean"], ws["running_var"], ws.get("weight"),
                                             ws.get("bias"), False, 0.0, eps))


def gen_channel_norm(r):
    """layer_norm, l2_norm or scale over axis 1 of a random shape."""
    shape = random_shape(r, 2, 4)
    shape[1] = c = r.randint(2, 6)  # over one channel PyTorch's layer norm is rounding noise, not 0
    x = torch.randn(*shape) * 3 + r.uniform(-2, 2)
    kind = r.choice(["layer_norm", "l2_norm", "scale"])
    per_channel = [1, c] + [1] * (len(shape) - 2)
    if kind == "scale":
        bias = r.random() < 0.5
        weights = {"weight": torch.randn(c)} | ({"bias": torch.randn(c)} if bias else {})
        return Case("scale", [f"bias={'true' if bias else 'false'}"], [x], weights,
                    lambda ins, ws: ins[0] * ws["weight"].view(per_channel) + ws.get("bias", torch.zeros(c)).view(per_channel))
    eps = r.choice([1e-6, 1e-5, 1e-2])
    if kind == "l2_norm":
        return Case("l2_norm", [f"eps={eps}"], [x], {}, lambda ins, ws: F.normalize(ins[0], dim=1, eps=eps))
    affine = r.random() < 0.7
    weights = {"weight": torch.randn(c), "bias": torch.randn(c)} if affine else {}

    def layer_norm(ins, ws):
        last = ins[0].movedim(1, -1)
        return F.layer_norm(last, (c,), ws.get("weight"), ws.get("bias"), eps).movedim(-1, 1)
    return Case("layer_norm", [f"eps={eps}", f"affine={'true' if affine else 'false'}"], [x], weights, layer_norm)


def gen_activation(r):
    name = r.choice(ACTIVATIONS[1:])
    alpha = round(r.uniform(0.0, 0.5), 3)
    attrs = [f"alpha={alpha}"] if name == "leaky_relu" else []
    return Case(name, attrs, [torch.randn(*random_shape(r)) * 4], {}, lambda ins, ws: act(ins[0], name, alpha))


def gen_clip(r):
    lo = round(r.uniform(-2, 1), 2) if r.random() < 0.8 else None
    hi = round(r.uniform(-1, 2), 2) if r.random() < 0.8 or lo is None else None
    attrs = ([f"min={lo}"] if lo is not None else []) + ([f"max={hi}"] if hi is not None else [])
    return Case("clip", attrs, [torch.randn(*random_shape(r)) * 2], {}, lambda ins, ws: torch.clamp(ins[0], lo, hi))


def gen_binary(r, kind):
    shape = random_shape(r)
    other = [d if r.random() < 0.6 else 1 for d in shape]
    activation = r.choice(ACTIVATIONS)
    fn = torch.add if kind == "add" else torch.mul
    if r.random() < 0.5:
        return Case(kind, [f"activation={activation}"], [torch.randn(*shape), torch.randn(*other)], {},
                    lambda ins, ws: act(fn(ins[0], ins[1]), activation))
    # The other operand a constant of fewer dimensions, on either side.
    other = other[r.randint(0, len(other) - 1):]
    first = r.random() < 0.5
    return Case(kind, [f"activation={activation}"], [torch.randn(*shape)], {"c": torch.randn(*other)},
                lambda ins, ws: act(fn(ws["c"], ins[0]) if first else fn(ins[0], ws["c"]), activation),
                constants=["c"], constants_first=first)


def gen_concat(r):
    shape = random_shape(r)
    rank = len(shape)
    axis = r.randint(-rank, rank - 1)
    inputs = []
    for _ in range(r.randint(2, 4)):
        s = list(shape)
        s[axis] = r.randint(1, 4)
        inputs.append(torch.randn(*s))
    return Case("concat", [f"axis={axis}"], inputs, {}, lambda ins, ws: torch.cat(ins, axis))


def gen_pad(r):
    shape = random_shape(r, 2, 4)
    pad_attr, padding = padding_form(r, 3, False, 3)
    value = round(r.uniform(-3, 3), 2)
    attrs = ([pad_attr] if pad_attr else []) + [f"value={value}"]
    return Case("pad", attrs, [torch.randn(*shape)], {},
                lambda ins, ws: F.pad(ins[0], torch_pad(padding), value=value))


def gen_softmax(r, kind):
    shape = random_shape(r, 1, 4)
    axis = r.randint(-len(shape), len(shape) - 1)
    fn = F.softmax if kind == "softmax" else F.log_softmax
    return Case(kind, [f"axis={axis}"], [torch.randn(*shape) * 3], {}, lambda ins, ws: fn(ins[0], axis))


def gen_unary_math(r):
    kind = r.choice(["exp", "sqrt", "erf"])
    x = torch.randn(*random_shape(r)) * 2
    x = x.abs() if kind == "sqrt" else x
    return Case(kind, [], [x], {}, lambda ins, ws: getattr(torch, kind)(ins[0]))


def gen_reduce(r):
    shape = random_shape(r)
    rank = len(shape)
    axes = r.sample(range(-rank, rank), r.randint(1, rank))
    axes = list({a % rank: a for a in axes}.values())  # each axis once, in either spelling
    keep = r.random() < 0.5 or len(axes) == rank
    kind = r.choice(["reduce_mean", "reduce_sum", "reduce_max", "reduce_l2"])
    fns = {"reduce_mean": lambda x: x.mean(axes, keepdim=keep), "reduce_sum": lambda x: x.sum(axes, keepdim=keep),
           "reduce_max": lambda x: x.amax(axes, keepdim=keep),
           "reduce_l2": lambda x: torch.linalg.vector_norm(x, dim=axes, keepdim=keep)}
    return Case(kind, [f"axes={axes}", f"keepdims={'true' if keep else 'false'}"], [torch.randn(*shape)], {},
                lambda ins, ws: fns[kind](ins[0]))


def gen_matmul(r):
    m, k, n = r.randint(1, 5), r.randint(1, 9), r.randint(1, 20)
    batch = random_shape(r, 0, 2)
    a_batch = [d if r.random() < 0.7 else 1 for d in batch]
    b_batch = [d if r.random() < 0.7 else 1 for d in batch][r.randint(0, len(batch)):]
    return Case("matmul", [], [torch.randn(*a_batch, m, k), torch.randn(*b_batch, k, n)], {},
                lambda ins, ws: torch.matmul(ins[0], ins[1]))


def gen_transpose(r):
    shape = random_shape(r)
    perm = r.sample(range(len(shape)), len(shape))
    return Case("transpose", [f"perm={perm}"], [torch.randn(*shape)], {}, lambda ins, ws: ins[0].permute(perm))


def gen_reshape(r):
    shape = random_shape(r)
    count = int(np.prod(shape))
    target = []
    while count > 1 and len(target) < 5:
        factor = r.choice([f for f in range(1, count + 1) if count % f == 0])
        target.append(factor)
        count //= factor
    target.append(count)
    written = list(target)
    if r.random() < 0.5:
        written[r.randrange(len(written))] = -1
    return Case("reshape", [f"shape={written}"], [torch.randn(*shape)], {},
                lambda ins, ws: ins[0].reshape(target))


GENERATORS = [gen_conv, gen_conv, gen_conv, gen_conv_transpose, lambda r: gen_pool(r, "maxpool"), lambda r: gen_pool(r, "avgpool"),
              lambda r: gen_global_pool(r, "global_avgpool"), lambda r: gen_global_pool(r, "global_maxpool"),
              gen_dense, gen_flatten, gen_batchnorm, gen_channel_norm, gen_activation, gen_clip,
              lambda r: gen_binary(r, "add"), lambda r: gen_binary(r, "mul"), gen_concat, gen_pad,
              lambda r: gen_softmax(r, "softmax"), lambda r: gen_softmax(r, "log_softmax"), gen_unary_math,
              gen_reduce, gen_transpose, gen_reshape, gen_matmul]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln", required=True)
    parser.add_argument("--cases", type=int, default=150)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", help="write the network and tensors to this directory")
    args = parser.parse_args()
    r = random.Random(args.seed)
    torch.manual_seed(args.seed)
    cases = [GENERATORS[i % len(GENERATORS)](r) for i in range(args.cases)]

    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        return check(args, cases, args.keep)
    with tempfile.TemporaryDirectory(prefix="kiln-conformance-") as work:
        return check(args, cases, work)


def check(args, cases, work):
    lines, weights, run = [f"network random_{args.seed}"], {}, [args.kiln, "run"]
    layer_lines, constant_lines = [], []
    for i, case in enumerate(cases):
        names = []
        for j, x in enumerate(case.inputs):
            name = f"in{i}_{j}"
            lines.append(f"input {name}: f32{shape_text(list(x.shape))}")
            save_npy(os.path.join(work, name + ".npy"), x.numpy())
            run += ["--input", f"{name}={os.path.join(work, name + '.npy')}"]
            names.append(name)
        for key, value in case.weights.items():
            weights[f"l{i}.{key}"] = value.numpy()
        constants = [f"l{i}.{key}" for key in case.constants]
        for name, key in zip(constants, case.constants):
            constant_lines.append(f"{name} = constant(shape={list(case.weights[key].shape)})")
        names = constants + names if case.constants_first else names + constants
        layer = f"l{i} = {case.op}({', '.join(names + case.attrs)})"
        layer_lines.append(layer)
        run += ["--output", f"l{i}={os.path.join(work, f'out{i}.npy')}"]
    lines += constant_lines + layer_lines + ["output " + ", ".join(f"l{i}" for i in range(len(cases)))]
    spec = os.path.join(work, "random.kiln")
    with open(spec, "w") as f:
        f.write("\n".join(lines) + "\n")
    run.insert(2, spec)
    if weights:
        save_safetensors(os.path.join(work, "weights.safetensors"), weights)
        run += ["--weights", os.path.join(work, "weights.safetensors")]
    result = subprocess.run(run, capture_output=True, text=True)
    if result.returncode != 0:
        print(result.stderr)
        print(f"kiln run failed; the network is in {work} (seed {args.seed})")
        return 1

    per_op = collections.defaultdict(lambda: [0, 0])
    failures = []
    with torch.no_grad():
        for i, case in enumerate(cases):
            expected = case.reference(case.inputs, case.weights).numpy()
            actual = np.load(os.path.join(work, f"out{i}.npy"))
            # |a - e| <= ATOL + RTOL |e|, with equal infinities and NaNs equal.
            ok = actual.shape == expected.shape and np.all(np.isclose(actual, expected, RTOL, ATOL, equal_nan=True))
            per_op[case.op][0 if ok else 1] += 1
            if not ok:
                worst = np.nanmax(np.abs(actual - expected)) if actual.shape == expected.shape else "shape"
                failures.append(f"  {layer_lines[i]}   (inputs {[list(x.shape) for x in case.inputs]}, worst {worst})")
    for op, (good, bad) in sorted(per_op.items()):
        print(f"{op:16s} {good:4d} passed {bad:4d} failed")
    if failures:
        print("failing layers:\n" + "\n".join(failures))
    print(f"{len(cases) - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

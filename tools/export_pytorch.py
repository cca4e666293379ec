#!/usr/bin/python3
"""Exports a PyTorch model to Kiln: a .kiln spec and a .safetensors of its weights.

    /usr/bin/python3 tools/export_pytorch.py resnet18 --input-shape 1,3,224,224 -o out/
    /usr/bin/python3 tools/export_pytorch.py my_models.py:Net --input-shape 1,1,28,28 -o out/

MODEL is a torchvision model name (random initialisation: nothing is
downloaded) or FILE.py:NAME, a class or function returning an nn.Module.
The model is traced with torch.fx; every module and function call becomes a
Kiln layer named after its module path (`layer1.0.conv1`), so the weights
keep their state_dict names. A layer Kiln lacks is an error naming the
module and the op.
"""
import argparse
import importlib.util
import operator
import os
import sys

import numpy as np
import torch
import torch.fx
import torch.nn as nn
import torch.nn.functional as F
from torch.fx.passes.shape_prop import ShapeProp

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiln_io import kiln_name, per_channel, save_network, scale_weights  # noqa: E402


class Unsupported(Exception):
    pass


def pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def tuple_text(values):
    values = pair(values)
    return str(values[0]) if values[0] == values[1] else f"({values[0]}, {values[1]})"


ACTIVATION_MODULES = {nn.ReLU: "relu", nn.ReLU6: "relu6", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh", nn.SiLU: "silu",
                      nn.Hardswish: "hardswish", nn.Hardsigmoid: "hardsigmoid"}
ACTIVATION_FUNCTIONS = {F.relu: "relu", torch.relu: "relu", F.relu6: "relu6", torch.sigmoid: "sigmoid",
                        F.sigmoid: "sigmoid", torch.tanh: "tanh", F.tanh: "tanh", F.silu: "silu",
                        F.hardswish: "hardswish", F.hardsigmoid: "hardsigmoid", F.gelu: "gelu"}
IDENTITY_MODULES = (nn.Dropout, nn.Identity)
# Binary functions and methods: (Kiln op, whether it commutes).
BINARY = {operator.add: "add", operator.iadd: "add", torch.add: "add", "add": "add",
          operator.mul: "mul", operator.imul: "mul", torch.mul: "mul", "mul": "mul",
          operator.sub: "sub", operator.isub: "sub", torch.sub: "sub", "sub": "sub",
          operator.truediv: "div", operator.itruediv: "div", torch.div: "div", "div": "div",
          torch.maximum: "max", torch.minimum: "min", torch.pow: "pow", operator.pow: "pow", "pow": "pow"}
UNARY_FUNCTIONS = {torch.exp: "exp", "exp": "exp", torch.sqrt: "sqrt", "sqrt": "sqrt", torch.erf: "erf", "erf": "erf"}
REDUCTIONS = {torch.sum: "reduce_sum", "sum": "reduce_sum", torch.amax: "reduce_max", "amax": "reduce_max",
              torch.linalg.vector_norm: "reduce_l2"}
# Identities in inference, by name: torchvision.ops' (this tool does not need torchvision).
IDENTITY_NAMES = {"StochasticDepth", "stochastic_depth"}
NHWC, NCHW = [0, 2, 3, 1], [0, 3, 1, 2]


class Tracer(torch.fx.Tracer):
    """torch.fx's tracer, with torchvision's channel shuffle as one call (not
    traced into), and `a, b = x.chunk(2)` unpacked into its pieces."""

    def __init__(self):
        try:
            from torchvision.models import shufflenetv2
            leaves = (shufflenetv2.channel_shuffle,)
        except ImportError:
            leaves = ()
        super().__init__(autowrap_functions=leaves)

    def iter(self, obj):
        if obj.node.target == "chunk" and isinstance(obj.node.args[1], int):
            return iter([obj[i] for i in range(obj.node.args[1])])
        return super().iter(obj)


class Exporter:
    def __init__(self, model, example):
        self.model = model.eval()
        try:
            self.traced = torch.fx.GraphModule(self.model, Tracer().trace(self.model))
            ShapeProp(self.traced).propagate(example)
        except Exception as e:  # noqa: BLE001 - torch.fx's errors for Python it cannot trace
            raise Unsupported(f"torch.fx cannot trace the model ({type(e).__name__}: "
                              f"{str(e).splitlines()[0] if str(e) else ''})") from None
        self.lines, self.weights, self.names, self.used = [], {}, {}, set()
        # Tensors used as values (get_attr: ConvNeXt's layer scale), and the
        # NCHW tensors permuted to NHWC, which stay NCHW in Kiln (see layer).
        self.constants, self.channels_last = {}, set()
        self.chunks = {}  # a chunk call -> (tensor, pieces, axis): its pieces are slices

    def name_of(self, node):
        if node not in self.names:
            raise Unsupported(f"'{node.name}' ({node.target}) is used as a tensor; Kiln has no layer for it")
        return self.names[node]

    def fresh(self, node, preferred):
        """A unique Kiln name: the module path where it is free, else fx's node name."""
        name = kiln_name(preferred)
        name = name if name not in self.used else kiln_name(node.name)
        self.used.add(name)
        self.names[node] = name
        return name

    def layer(self, node, preferred, op, operands, attrs=(), layout_free=False):
        """A layer; a layout_free one (elementwise, or over the channels) also reads NHWC permutes
        when all its operands are, and its output is one too. Other layers read such a
        permute as the tensor it is (a transpose layer)."""
        views = [o in self.channels_last for o in operands]
        keep_views = layout_free and all(views)
        for o in operands:
            if o in self.channels_last and not keep_views:
                self.materialize(o)
        name = self.fresh(node, preferred)
        self.lines.append(f"{name} = {op}({', '.join([self.name_of(o) for o in operands] + list(attrs))})")
        if any(views) and keep_views:
            self.channels_last.add(node)
        return name

    def materialize(self, node):
        """An NHWC permute kept as a layout, written out as a transpose layer."""
        self.channels_last.discard(node)
        name = kiln_name(node.name + "_nhwc")
        while name in self.used:
            name += "_"
        self.used.add(name)
        self.lines.append(f"{name} = transpose({self.name_of(node)}, perm={NHWC})")
        self.names[node] = name

    def reshape(self, node, x):
        """A view, reshape, flatten, squeeze or unsqueeze: a reshape to the traced shape."""
        self.layer(node, node.name, "reshape", [x], [f"shape={self.shape(node)}"])

    def alias(self, node, source):
        self.names[node] = self.name_of(source)
        if source in self.channels_last:
            self.channels_last.add(node)

    def shape(self, node):
        return list(node.meta["tensor_meta"].shape)

    def channels(self, node):
        """The extent of the axis that is Kiln's axis 1."""
        return self.shape(node)[-1 if node in self.channels_last else 1]

    def weight(self, layer, key, tensor):
        self.weights[f"{layer}.{key}"] = tensor.detach().float().contiguous().numpy()

    def export(self, network):
        for node in self.traced.graph.nodes:
            if node.op == "placeholder":
                shape = list(node.meta["tensor_meta"].shape)
                self.lines.append(f"input {self.fresh(node, node.name)}: f32[{', '.join(map(str, shape))}]")
            elif node.op == "call_module":
                self.module(node, self.traced.get_submodule(node.target))
            elif node.op in ("call_function", "call_method"):
                self.function(node)
            elif node.op == "output":
                outputs = node.args[0] if isinstance(node.args[0], (tuple, list)) else [node.args[0]]
                for o in outputs:
                    if o in self.channels_last:
                        self.materialize(o)
                self.lines.append("output " + ", ".join(self.name_of(o) for o in outputs))
            elif node.op == "get_attr":
                value = self.traced
                for part in node.target.split("."):
                    value = getattr(value, part)
                self.constants[node] = value
        return f"network {network}\n" + "\n".join(self.lines) + "\n", self.weights

    def module(self, node, m):
        path, x = node.target, node.args[0]
        if isinstance(m, IDENTITY_MODULES) or type(m).__name__ in IDENTITY_NAMES:
            self.alias(node, x)
        elif isinstance(m, nn.Conv2d):
            if m.padding_mode != "zeros":
                raise Unsupported(f"module '{path}' (nn.Conv2d with padding_mode='{m.padding_mode}')")
            padding = m.padding if isinstance(m.padding, str) else tuple_text(m.padding)
            attrs = [f"filters={m.out_channels}", f"kernel={tuple_text(m.kernel_size)}", f"stride={tuple_text(m.stride)}",
                     f"padding={padding}", f"dilation={tuple_text(m.dilation)}", f"groups={m.groups}",
                     f"bias={'true' if m.bias is not None else 'false'}"]
            name = self.layer(node, path, "conv2d", [x], attrs)
            self.weight(name, "weight", m.weight)
            if m.bias is not None:
                self.weight(name, "bias", m.bias)
        elif isinstance(m, nn.ConvTranspose2d):
            if len(node.args) > 1 or node.kwargs:
                raise Unsupported(f"module '{path}' (nn.ConvTranspose2d given output_size)")
            attrs = [f"filters={m.out_channels}", f"kernel={tuple_text(m.kernel_size)}", f"stride={tuple_text(m.stride)}",
                     f"padding={tuple_text(m.padding)}", f"output_padding={tuple_text(m.output_padding)}",
                     f"dilation={tuple_text(m.dilation)}", f"groups={m.groups}",
                     f"bias={'true' if m.bias is not None else 'false'}"]
            name = self.layer(node, path, "conv_transpose2d", [x], attrs)
            self.weight(name, "weight", m.weight)
            if m.bias is not None:
                self.weight(name, "bias", m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            if not m.track_running_stats:
                raise Unsupported(f"module '{path}' (nn.BatchNorm2d without running statistics)")
            name = self.layer(node, path, "batchnorm", [x], [f"eps={m.eps!r}", f"affine={'true' if m.affine else 'false'}"])
            self.weight(name, "running_mean", m.running_mean)
            self.weight(name, "running_var", m.running_var)
            if m.affine:
                self.weight(name, "weight", m.weight)
                self.weight(name, "bias", m.bias)
        elif isinstance(m, nn.Linear):
            has_bias = f"bias={'true' if m.bias is not None else 'false'}"
            if x in self.channels_last:  # Linear over the channels: a 1x1 convolution
                name = self.layer(node, path, "conv2d", [x], [f"filters={m.out_features}", "kernel=1", has_bias],
                                  layout_free=True)
                self.weight(name, "weight", m.weight[:, :, None, None])
            else:
                name = self.layer(node, path, "dense", [x], [f"units={m.out_features}", has_bias])
                self.weight(name, "weight", m.weight)
            if m.bias is not None:
                self.weight(name, "bias", m.bias)
        elif isinstance(m, nn.LayerNorm):
            self.layer_norm(node, path, x, m.normalized_shape, m.weight, m.bias, m.eps)
        elif type(m) in ACTIVATION_MODULES:
            self.layer(node, path, ACTIVATION_MODULES[type(m)], [x], layout_free=True)
        elif isinstance(m, nn.LeakyReLU):
            self.layer(node, path, "leaky_relu", [x], [f"alpha={m.negative_slope!r}"], layout_free=True)
        elif isinstance(m, nn.GELU):
            if m.approximate != "none":
                raise Unsupported(f"module '{path}' (nn.GELU with approximate='{m.approximate}')")
            self.layer(node, path, "gelu", [x], layout_free=True)
        elif isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
            attrs = [f"kernel={tuple_text(m.kernel_size)}", f"stride={tuple_text(m.stride or m.kernel_size)}",
                     f"padding={tuple_text(m.padding)}", f"ceil_mode={'true' if m.ceil_mode else 'false'}"]
            if isinstance(m, nn.MaxPool2d):
                if m.return_indices:
                    raise Unsupported(f"module '{path}' (nn.MaxPool2d with return_indices)")
                self.layer(node, path, "maxpool", [x], attrs + [f"dilation={tuple_text(m.dilation)}"])
            else:
                if m.divisor_override:
                    raise Unsupported(f"module '{path}' (nn.AvgPool2d with divisor_override)")
                self.layer(node, path, "avgpool", [x],
                           attrs + [f"count_include_pad={'true' if m.count_include_pad else 'false'}"])
        elif isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
            self.adaptive_pool(node, path, x, m.output_size, isinstance(m, nn.AdaptiveAvgPool2d))
        elif isinstance(m, nn.Flatten):
            self.flatten(node, path, x, m.start_dim, m.end_dim)
        elif isinstance(m, (nn.Softmax, nn.LogSoftmax)):
            op = "softmax" if isinstance(m, nn.Softmax) else "log_softmax"
            self.layer(node, path, op, [x], [f"axis={m.dim if m.dim is not None else -1}"])
        else:
            raise Unsupported(f"module '{path}' ({type(m).__module__}.{type(m).__name__}) has no Kiln layer")

    def adaptive_pool(self, node, preferred, x, size, average):
        """To 1x1: a global pool; to a size that divides the input's: a pool of the quotient (or nothing)."""
        height, width = self.shape(x)[2:]
        out = tuple(d if s is None else s for s, d in zip(pair(size), (height, width)))
        if out == (1, 1):
            self.layer(node, preferred, "global_avgpool" if average else "global_maxpool", [x])
        elif out == (height, width):
            self.alias(node, x)
        elif height % out[0] == 0 and width % out[1] == 0:
            window = tuple_text((height // out[0], width // out[1]))
            self.layer(node, preferred, "avgpool" if average else "maxpool", [x], [f"kernel={window}"])
        else:
            raise Unsupported(f"'{node.name}' (adaptive pooling of {height}x{width} to {out[0]}x{out[1]}; Kiln pools "
                              "to sizes that divide the input's)")

    def layer_norm(self, node, preferred, x, normalized_shape, weight, bias, eps):
        """LayerNorm over the last axis of [N, F] or of an NHWC permute: Kiln's over the channels."""
        shape = self.shape(x)
        if list(normalized_shape) != shape[-1:] or not (x in self.channels_last or len(shape) == 2):
            raise Unsupported(f"'{node.name}' (layer norm over {list(normalized_shape)} of {shape}; Kiln's layer_norm "
                              "normalizes the channels: the last axis of [N, F], or of NCHW permuted to NHWC)")
        affine = weight is not None
        name = self.layer(node, preferred, "layer_norm", [x], [f"eps={eps!r}"] + ([] if affine else ["affine=false"]),
                          layout_free=True)
        if affine:
            self.weight(name, "weight", weight)
            self.weight(name, "bias", bias if bias is not None else torch.zeros_like(weight))

    def scale(self, node, x, constant, op, constant_first):
        """A tensor and a constant of one value per channel in add, sub, mul or div: a scale layer,
        which fuses with what computes the tensor. False if the constant is not such."""
        shape, c = self.shape(x), constant.detach().float().numpy()
        values = per_channel(c, shape, len(shape) - 1 if x in self.channels_last else 1)
        weights = None if values is None else scale_weights(op, values, constant_first)
        if weights is None:
            return False
        weight, bias = weights
        name = self.layer(node, node.name, "scale", [x], [f"bias={'true' if bias is not None else 'false'}"],
                          layout_free=True)
        self.weights[f"{name}.weight"] = np.asarray(weight, dtype=np.float32)
        if bias is not None:
            self.weights[f"{name}.bias"] = np.asarray(bias, dtype=np.float32)
        return True

    def constant(self, key, preferred, value):
        """A constant read as a tensor: a `constant` layer, its weight of its own name. `key`
        stands for it among the operands (a get_attr node, or a placeholder for a number)."""
        if key not in self.names:
            value = value.detach().float().contiguous().numpy().reshape(tuple(value.shape) or (1,))
            name = kiln_name(preferred)
            while name in self.used or name in self.weights:
                name += "_"
            self.used.add(name)
            self.names[key] = name
            self.lines.append(f"{name} = constant(shape={list(value.shape)})")
            self.weights[name] = value
        return key

    def flatten(self, node, preferred, x, start, end):
        rank = len(x.meta["tensor_meta"].shape)
        if start != 1 or end not in (-1, rank - 1) or x in self.channels_last:
            self.reshape(node, x)
        else:
            self.layer(node, preferred, "flatten", [x])

    def reduction(self, node, op):
        """torch.mean/sum/amax/linalg.vector_norm over dim (every axis when absent), keepdim as keepdims."""
        args, kwargs = node.args, node.kwargs
        if op == "reduce_l2":
            order = args[1] if len(args) > 1 else kwargs.get("ord", 2)
            if order != 2:
                raise Unsupported(f"'{node.name}' (a vector norm of order {order}; Kiln's reduce_l2 is order 2)")
            args = args[:1] + args[2:]
        dims = args[1] if len(args) > 1 else kwargs.get("dim")
        keep = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
        attrs = [] if dims is None else [f"axes={list(dims) if isinstance(dims, (list, tuple)) else [dims]}"]
        self.layer(node, node.name, op, [args[0]], attrs + [f"keepdims={'true' if keep else 'false'}"])

    def function(self, node):
        target, args = node.target, node.args
        if "tensor_meta" not in node.meta and target != "chunk":
            return  # sizes and shapes: arithmetic at trace time, whose results the traced shapes hold
        if target in BINARY and not (target == torch.div and node.kwargs.get("rounding_mode")):
            op = BINARY[target]
            tensors = [a for a in args if isinstance(a, torch.fx.Node) and a not in self.constants]
            if len(args) != 2 or not tensors:
                raise Unsupported(f"'{node.name}' ({node.target}) of constants")
            operands = list(args)
            if len(tensors) == 1:
                i = 1 if args[0] is tensors[0] else 0
                other = args[i]
                value = self.constants[other] if isinstance(other, torch.fx.Node) else torch.tensor(float(other))
                if self.scale(node, tensors[0], value, op, constant_first=i == 0):
                    return
                preferred = other.target if isinstance(other, torch.fx.Node) else f"{node.name}_constant"
                operands[i] = self.constant(other if isinstance(other, torch.fx.Node) else object(), preferred, value)
            self.layer(node, node.name, op, operands, layout_free=True)
        elif target in ACTIVATION_FUNCTIONS or target in ("relu", "sigmoid", "tanh"):
            op = ACTIVATION_FUNCTIONS.get(target, target)
            if node.kwargs.get("approximate", "none") != "none":
                raise Unsupported(f"'{node.name}' ({op} with approximate='{node.kwargs['approximate']}')")
            self.layer(node, node.name, op, [args[0]], layout_free=True)
        elif getattr(target, "__name__", None) in IDENTITY_NAMES or target == "contiguous":
            self.alias(node, args[0])
        elif target in ("permute", torch.permute):
            dims = list(args[1:]) if len(args) > 2 else list(args[1] if len(args) > 1 else node.kwargs["dims"])
            if dims == NHWC and len(self.shape(args[0])) == 4 and args[0] not in self.channels_last:
                self.alias(node, args[0])
                self.channels_last.add(node)
            elif dims == NCHW and args[0] in self.channels_last:
                self.names[node] = self.name_of(args[0])
            else:
                rank = len(self.shape(args[0]))
                self.layer(node, node.name, "transpose", [args[0]], [f"perm={[d % rank for d in dims]}"])
        elif target in ("transpose", torch.transpose):
            rank = len(self.shape(args[0]))
            perm = list(range(rank))
            a, b = (d % rank for d in args[1:3])
            perm[a], perm[b] = perm[b], perm[a]
            self.layer(node, node.name, "transpose", [args[0]], [f"perm={perm}"])
        elif target in ("view", "reshape", torch.reshape, "unsqueeze", torch.unsqueeze, "squeeze", torch.squeeze):
            self.reshape(node, args[0])
        elif target in (torch.matmul, operator.matmul, "matmul", torch.bmm, "bmm") and \
                not any(a in self.constants for a in args[:2]):
            self.layer(node, node.name, "matmul", list(args[:2]))
        elif target in REDUCTIONS:
            self.reduction(node, REDUCTIONS[target])
        elif target in UNARY_FUNCTIONS:
            self.layer(node, node.name, UNARY_FUNCTIONS[target], [args[0]], layout_free=True)
        elif target is F.layer_norm:
            given = dict(zip(["normalized_shape", "weight", "bias", "eps"], args[1:]), **node.kwargs)
            weight, bias = (self.constants.get(given.get(k)) for k in ("weight", "bias"))
            self.layer_norm(node, node.name, args[0], given["normalized_shape"], weight, bias, given.get("eps", 1e-5))
        elif getattr(target, "__name__", None) == "channel_shuffle":
            groups = args[1] if len(args) > 1 else node.kwargs["groups"]
            self.layer(node, node.name, "channel_shuffle", [args[0]], [f"groups={groups}"])
        elif target == "chunk":
            self.chunks[node] = (args[0], args[1], args[2] if len(args) > 2 else node.kwargs.get("dim", 0))
        elif target is operator.getitem and args[0] in self.chunks:
            source, count, dim = self.chunks[args[0]]
            extent = self.shape(source)[dim]
            size = -(-extent // count)
            self.layer(node, node.name, "slice", [source],
                       [f"axis={dim % len(self.shape(source))}", f"start={args[1] * size}",
                        f"end={min(extent, (args[1] + 1) * size)}"])
        elif target in (torch.flatten, "flatten"):
            start = args[1] if len(args) > 1 else node.kwargs.get("start_dim", 0)
            end = args[2] if len(args) > 2 else node.kwargs.get("end_dim", -1)
            self.flatten(node, node.name, args[0], start, end)
        elif target in (F.adaptive_avg_pool2d, F.adaptive_max_pool2d):
            size = args[1] if len(args) > 1 else node.kwargs["output_size"]
            self.adaptive_pool(node, node.name, args[0], size, target is F.adaptive_avg_pool2d)
        elif target in (F.max_pool2d, torch.max_pool2d, F.avg_pool2d):
            names = ["kernel_size", "stride", "padding"] + (
                ["dilation", "ceil_mode"] if target in (F.max_pool2d, torch.max_pool2d)
                else ["ceil_mode", "count_include_pad"])
            given = dict(zip(names, args[1:]), **node.kwargs)
            kernel = given["kernel_size"]
            attrs = [f"kernel={tuple_text(kernel)}", f"stride={tuple_text(given.get('stride') or kernel)}",
                     f"padding={tuple_text(given.get('padding', 0))}",
                     f"ceil_mode={'true' if given.get('ceil_mode', False) else 'false'}"]
            if target in (F.max_pool2d, torch.max_pool2d):
                if given.get("return_indices"):
                    raise Unsupported(f"'{node.name}' (max_pool2d with return_indices)")
                self.layer(node, node.name, "maxpool", [args[0]], attrs + [f"dilation={tuple_text(given.get('dilation', 1))}"])
            else:
                if given.get("divisor_override"):
                    raise Unsupported(f"'{node.name}' (avg_pool2d with divisor_override)")
                include = given.get("count_include_pad", True)
                self.layer(node, node.name, "avgpool", [args[0]],
                           attrs + [f"count_include_pad={'true' if include else 'false'}"])
        elif target in (torch.mean, "mean"):
            # The mean over H and W of NCHW (as MnasNet ends) is a global average pool.
            dims = args[1] if len(args) > 1 else node.kwargs.get("dim")
            keep = args[2] if len(args) > 2 else node.kwargs.get("keepdim", False)
            rank = len(args[0].meta["tensor_meta"].shape)
            dims = list(dims) if isinstance(dims, (list, tuple)) else [dims]
            if rank != 4 or None in dims or sorted(d % 4 for d in dims) != [2, 3] or args[0] in self.channels_last:
                self.reduction(node, "reduce_mean")
            elif keep:
                self.layer(node, node.name, "global_avgpool", [args[0]])
            else:
                pooled = self.fresh(node, node.name + "_pool")
                self.lines.append(f"{pooled} = global_avgpool({self.name_of(args[0])})")
                self.lines.append(f"{self.fresh(node, node.name)} = flatten({pooled})")
        elif target in (torch.cat, torch.concat):
            dim = args[1] if len(args) > 1 else node.kwargs.get("dim", 0)
            self.layer(node, node.name, "concat", list(args[0]), [f"axis={dim}"])
        elif target in (F.softmax, torch.softmax, F.log_softmax, torch.log_softmax):
            dim = args[1] if len(args) > 1 else node.kwargs.get("dim", -1)
            op = "softmax" if target in (F.softmax, torch.softmax) else "log_softmax"
            self.layer(node, node.name, op, [args[0]], [f"axis={dim}"])
        else:
            what = getattr(target, "__name__", str(target))
            raise Unsupported(f"'{node.name}' calls {what}, which has no Kiln layer")


def load_model(spec):
    if ":" in spec:
        path, name = spec.rsplit(":", 1)
        module_spec = importlib.util.spec_from_file_location("user_model", path)
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return getattr(module, name)()
    import torchvision
    factory = getattr(torchvision.models, spec, None)
    if factory is None:
        raise Unsupported(f"no torchvision model named '{spec}'")
    return factory(weights=None)


def export(model, example, network):
    """Returns (spec text, weights dict)."""
    return Exporter(model, example).export(network)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", help="torchvision model name, or FILE.py:NAME")
    parser.add_argument("--input-shape", required=True, help="e.g. 1,3,224,224")
    parser.add_argument("-o", "--output", required=True, help="directory for NAME.kiln and NAME.safetensors")
    parser.add_argument("--name", help="network name (default: the model's)")
    args = parser.parse_args()
    network = args.name or args.model.rsplit(":", 1)[-1].replace(".", "_").replace("-", "_")
    try:
        model = load_model(args.model)
        spec, weights = export(model, torch.randn(*map(int, args.input_shape.split(","))), network)
    except Unsupported as e:
        print(f"export_pytorch: error: {e}", file=sys.stderr)
        return 1
    save_network(args.output, network, spec, weights)
    print(f"wrote {os.path.join(args.output, network)}.kiln and .safetensors ({len(weights)} tensors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""Imports an ONNX model into Kiln: a .kiln spec and a .safetensors of its weights.

    kiln import MODEL.onnx -o DIR [--name NAME] [--batch N] [--input-shape NAME=D0,D1,...]
    (`kiln import` runs this script, then checks what it wrote as `kiln check --weights` would)

Shapes are static in Kiln, so the importer fixes every input's shape first (a
symbolic first dimension takes --batch, any other symbolic dimension needs
--input-shape), then folds shape arithmetic (Shape, Gather, Slice, Concat,
Unsqueeze, Cast, ConstantOfShape, ... of constants) into constants, and maps
the remaining nodes to Kiln's layers, with patterns to fused layers
(x * sigmoid(x) -> silu, x * hardsigmoid(x) -> hardswish, ReduceMean over H
and W -> global_avgpool). Every failure is one line, MODEL: error: ..., that
names the node and its op, and exit status 1. Written in Python with Debian's
python3-onnx: its parser and helpers follow ONNX itself.
"""
import argparse
import os
import pickle
import re
import sys
import warnings

import numpy as np

try:
    import onnx
    from onnx import numpy_helper
except ImportError:
    sys.exit("error: kiln import needs python3-onnx (apt-get install python3-onnx)")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kiln_io import kiln_name, per_channel, save_network, scale_weights  # noqa: E402

TensorProto = onnx.TensorProto
FLOAT_TYPES = (TensorProto.FLOAT16, TensorProto.BFLOAT16, TensorProto.DOUBLE)


class ImportFailure(Exception):
    """What the user reads after MODEL: error:."""


def isolated(function, what):
    """function()'s result, computed in a forked child: ONNX's C++ crashes on
    some malformed models (a segmentation fault in shape inference), and a
    crash there must be an error like any other."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            payload = pickle.dumps((True, function()))
        except Exception as e:  # noqa: BLE001 - the parent words the error
            message = str(e).strip().splitlines()
            payload = pickle.dumps((False, message[-1] if message else type(e).__name__))
        with os.fdopen(write, "wb") as f:
            f.write(payload)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status) or not data:
        raise ImportFailure(f"{what} crashed on the model (signal {os.WTERMSIG(status) if os.WIFSIGNALED(status) else '?'}"
                            "): it is malformed in a way ONNX does not check")
    ok, value = pickle.loads(data)
    if not ok:
        raise ImportFailure(f"{what} rejects the model: {value}")
    return value


def label(node):
    """How messages name a node: its name and op, or its first output's."""
    named = f"'{node.name}'" if node.name else f"with output '{node.output[0] if node.output else '?'}'"
    return f"node {named} ({node.op_type})"


def type_name(elem_type):
    return TensorProto.DataType.Name(elem_type) if elem_type in TensorProto.DataType.values() else str(elem_type)


def f32_text(value):
    """The shortest decimal that reads back as the same f32."""
    return np.format_float_positional(np.float32(value), unique=True, trim="-")


def pair_text(values):
    values = [int(v) for v in values]
    return str(values[0]) if values[0] == values[1] else f"({values[0]}, {values[1]})"


def tensor_array(tensor):
    """An initializer or Constant's value; bf16 by hand, which onnx 1.12 leaves as raw integers."""
    if tensor.data_type == TensorProto.BFLOAT16:
        bits = (np.frombuffer(tensor.raw_data, dtype=np.uint16) if tensor.raw_data
                else np.asarray(tensor.int32_data, dtype=np.uint32).astype(np.uint16))
        return (bits.astype(np.uint32) << 16).view(np.float32).reshape(tuple(tensor.dims))
    return numpy_helper.to_array(tensor)


def parse_input_shapes(texts):
    shapes = {}
    for text in texts:
        name, sep, dims = text.rpartition("=")
        try:
            values = [int(d) for d in dims.split(",")]
        except ValueError:
            values = []
        if not sep or not name or not values or min(values) < 1:
            raise ImportFailure(f"--input-shape {text}: expected NAME=D0,D1,... with positive dimensions")
        shapes[name] = values
    return shapes


class Importer:
    def __init__(self, model, batch, input_shapes):
        self.model = model
        self.graph = model.graph
        self.opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=13)
        self.batch = batch
        self.constants, self.converted = {}, {}
        for init in self.graph.initializer:
            self.constants[init.name] = self.read_tensor(init, f"initializer '{init.name}'")
        self.initializers = set(self.constants)
        self.check_order()
        self.fix_input_shapes(input_shapes)
        self.shapes = self.infer_shapes()
        self.tensors = {}  # ONNX tensor name -> Kiln layer name
        self.lines, self.weights, self.used = [], {}, set()
        self.skipped, self.fused = set(), {}
        # A channel shuffle's 5-D steps, not layers: tensor -> (4-D source, groups, shape, transposed).
        self.views = {}
        # Transposes of NCHW tensors to NHWC, not layers: such a tensor names the
        # NCHW Kiln layer, and only ops indifferent to the layout (or over the
        # channels, now its last axis) read it (ConvNeXt's blocks).
        self.channels_last = set()
        # 8-bit tensors (QuantizeLinear's, QLinearConv's ...), held in Kiln as
        # their values on the grid: tensor -> (scale, zero point, min, max).
        self.quantized = {}
        self.find_patterns()

    # --- the model as a whole ---------------------------------------------
    def read_tensor(self, tensor, what):
        try:
            value = tensor_array(tensor)
        except Exception as e:  # noqa: BLE001 - a malformed tensor raises many kinds
            raise ImportFailure(f"{what} cannot be read ({type(e).__name__}: {e})") from None
        if tensor.data_type in FLOAT_TYPES:
            self.converted[type_name(tensor.data_type)] = self.converted.get(type_name(tensor.data_type), 0) + 1
            value = value.astype(np.float32)
        return value

    def check_order(self):
        """Every node reads only what is defined before it: no cycles, no dangling names."""
        if not self.graph.node:
            raise ImportFailure("the model has no nodes (an empty file, or not an ONNX model)")
        if not self.graph.output:
            raise ImportFailure("the model has no outputs")
        known = {v.name for v in self.graph.input} | set(self.constants)
        for node in self.graph.node:
            if node.domain not in ("", "ai.onnx"):
                raise ImportFailure(f"{label(node)} is from the operator set '{node.domain}', which Kiln lacks")
            for name in node.input:
                if name and name not in known:
                    raise ImportFailure(f"{label(node)} reads '{name}', which no input, initializer or earlier "
                                        "node defines (the graph has a cycle or is not in topological order)")
            for name in node.output:
                if name in known:
                    raise ImportFailure(f"{label(node)} defines '{name}', which an input, initializer or earlier "
                                        "node defines already")
            known.update(o for o in node.output if o)
            if node.op_type in WINDOWED:
                check_window_attributes(node)
        for output in self.graph.output:
            if output.name not in known:
                raise ImportFailure(f"output '{output.name}' is not computed by any node")

    def fix_input_shapes(self, input_shapes):
        """Writes a static shape into every input (Kiln's shapes are static)."""
        inputs = [v for v in self.graph.input if v.name not in self.constants]
        if not inputs:
            raise ImportFailure("the model has no inputs")
        for name in input_shapes:
            if name not in {v.name for v in inputs}:
                raise ImportFailure(f"--input-shape names '{name}', which is not an input of the model "
                                    f"(inputs: {', '.join(v.name for v in inputs)})")
        for value in inputs:
            ttype = value.type.tensor_type if value.type.HasField("tensor_type") else None
            if ttype is None:
                raise ImportFailure(f"input '{value.name}' is not a tensor")
            if ttype.elem_type != TensorProto.FLOAT:
                raise ImportFailure(f"input '{value.name}' is {type_name(ttype.elem_type)}; Kiln's inputs are f32 "
                                    "(an integer or other input has no meaning in Kiln yet)")
            dims = [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
                    for d in ttype.shape.dim] if ttype.HasField("shape") else None
            if value.name in input_shapes:
                fixed = input_shapes[value.name]
                if dims is not None and len(dims) != len(fixed):
                    raise ImportFailure(f"--input-shape {value.name}: the model's input has {len(dims)} dimensions, "
                                        f"not {len(fixed)}")
                if dims is not None and any(d is not None and d != f for d, f in zip(dims, fixed)):
                    raise ImportFailure(f"--input-shape {value.name}={','.join(map(str, fixed))} disagrees with the "
                                        f"model's fixed dimensions [{', '.join(str(d) if d else '?' for d in dims)}]")
                dims = fixed
            elif dims is None:
                raise ImportFailure(f"input '{value.name}' has no shape: give one with --input-shape "
                                    f"{value.name}=D0,D1,...")
            else:
                if dims and dims[0] is None:
                    dims[0] = self.batch
                symbolic = [describe_dim(d) for d, v in zip(ttype.shape.dim, dims) if v is None]
                if symbolic:
                    raise ImportFailure(f"input '{value.name}' has symbolic dimensions {', '.join(symbolic)} "
                                        f"(shape [{', '.join(describe_dim(d) for d in ttype.shape.dim)}]): fix them with "
                                        f"--input-shape {value.name}=D0,D1,...")
            if not 1 <= len(dims) <= 6 or int(np.prod(dims, dtype=object)) > 2 ** 31 - 1:
                raise ImportFailure(f"input '{value.name}' of shape {dims}: Kiln's tensors have 1 to 6 dimensions "
                                    "and at most 2^31-1 elements")
            del ttype.shape.dim[:]
            for d in dims:
                ttype.shape.dim.add().dim_value = d

    def infer_shapes(self):
        """Every tensor's static shape that ONNX's shape inference finds, with
        what the importer has folded so far given as initializers (ONNX's own
        data propagation loses shapes computed by Shape, Gather, Concat ...)."""
        model = self.model
        folded = {name for name in self.constants if name not in self.initializers}
        if folded:
            model = onnx.ModelProto()
            model.CopyFrom(self.model)
            kept = [n for n in model.graph.node if not (n.output and all(o in folded for o in n.output))]
            del model.graph.node[:]
            model.graph.node.extend(kept)
            model.graph.initializer.extend(numpy_helper.from_array(np.asarray(self.constants[name]), name)
                                           for name in sorted(folded))

        def static_shapes():
            # In this (forked) child only: weights become inputs of their shape,
            # which is all inference needs of them, so that a model over
            # protobuf's 2 GB (RegNetY-128GF) is inferred too.
            weights = [t for t in model.graph.initializer
                       if t.data_type in (TensorProto.FLOAT,) + FLOAT_TYPES and int(np.prod(t.dims)) > 64]
            names = {t.name for t in weights}
            kept = [t for t in model.graph.initializer if t.name not in names]
            model.graph.input.extend(onnx.helper.make_tensor_value_info(t.name, t.data_type, list(t.dims))
                                     for t in weights)
            del model.graph.initializer[:]
            model.graph.initializer.extend(kept)
            inferred = onnx.shape_inference.infer_shapes(model, strict_mode=False, data_prop=True)
            shapes = {}
            for v in list(inferred.graph.input) + list(inferred.graph.value_info) + list(inferred.graph.output):
                ttype = v.type.tensor_type
                if ttype.HasField("shape") and all(d.HasField("dim_value") and d.dim_value >= 0
                                                   for d in ttype.shape.dim):
                    shapes[v.name] = [d.dim_value for d in ttype.shape.dim]
            return shapes
        shapes = isolated(static_shapes, "ONNX shape inference")
        self.inferred_with = len(self.constants)
        return shapes

    def find_patterns(self):
        """Subgraphs that are one Kiln layer: self.fused[index of their last node] writes it, the other
        nodes are skipped. Their intermediate tensors must be read only inside the pattern."""
        graph = GraphIndex(self.graph)
        for index, node in enumerate(self.graph.node):
            for find in (find_gate, find_layer_norm, find_gelu, find_l2_norm, find_linear):
                found = None if index in self.skipped or index in self.fused else find(self, graph, index, node)
                if found and not (found[0] & (self.skipped | set(self.fused))):
                    inner, last, write = found
                    self.skipped.update(inner)
                    self.fused[last] = write
                    break

    def run(self, network):
        for value in self.graph.input:
            if value.name in self.constants:
                continue
            name = self.unique(kiln_name(value.name))
            self.tensors[value.name] = name
            dims = ", ".join(str(d.dim_value) for d in value.type.tensor_type.shape.dim)
            self.lines.append(f"input {name}: f32[{dims}]")
        for index, node in enumerate(self.graph.node):
            if index not in self.skipped:
                try:
                    self.node(node, index)
                except ImportFailure:
                    raise
                except Exception as e:  # noqa: BLE001 - an attribute of the wrong kind, a bad constant...
                    raise ImportFailure(f"{label(node)} cannot be read ({type(e).__name__}: {e})") from None
        outputs = []
        for o in self.graph.output:
            if o.name in self.views or o.name in self.channels_last:
                self.materialize(o, o.name, base=o.name)
            if o.name in self.constants:
                raise ImportFailure(f"output '{o.name}' is a constant; Kiln's outputs are computed by layers")
            if o.name in self.quantized:
                raise ImportFailure(f"output '{o.name}' is an 8-bit tensor; Kiln's outputs are f32 (end the model "
                                    "with a DequantizeLinear)")
            if o.name not in self.tensors or self.tensors[o.name] in [self.tensors[v.name] for v in self.graph.input
                                                                      if v.name in self.tensors]:
                raise ImportFailure(f"output '{o.name}' is a network input; Kiln's outputs are computed by layers")
            if self.tensors[o.name] in outputs:
                raise ImportFailure(f"output '{o.name}' is the same tensor as another output")
            outputs.append(self.tensors[o.name])
        self.lines.append("output " + ", ".join(outputs))
        return f"network {network}\n" + "\n".join(self.lines) + "\n", self.weights

    # --- helpers -------------------------------------------------------------
    def unique(self, base):
        name, n = base, 1
        while name in self.used:
            n += 1
            name = f"{base}_{n}"
        self.used.add(name)
        return name

    def constant(self, node, index, what, required=False):
        name = node.input[index] if index < len(node.input) else ""
        if not name:
            if required:
                raise ImportFailure(f"{label(node)} has no {what}")
            return None
        if name not in self.constants:
            raise ImportFailure(f"{label(node)}: its {what} '{name}' must be a constant")
        return self.constants[name]

    def first_value(self, name):
        """The first value of a constant, as a float (a pattern's epsilon, exponent, divisor ...)."""
        return float(np.asarray(self.constants[name]).reshape(-1)[0])

    def integers(self, node, index, what, required=False):
        """A constant list of integers (shapes, axes, pads ...), as ONNX requires them."""
        value = self.constant(node, index, what, required)
        if value is None:
            return None
        if value.dtype.kind not in "iu" or value.ndim > 1:
            self.fail(node, f"its {what} is a {value.ndim}-D {value.dtype} constant; ONNX wants a list of integers")
        return [int(v) for v in value.reshape(-1)]

    def weight(self, node, index, what, required=False):
        """A constant that becomes an f32 weight."""
        value = self.constant(node, index, what, required)
        if value is not None and value.dtype.kind not in "f":
            raise ImportFailure(f"{label(node)}: its {what} is {value.dtype}; Kiln's weights are f32")
        return value

    def shape(self, name):
        """A tensor's static shape, inferred again where folding has added constants since."""
        if name in self.constants:  # inference may not reach a constant that an inconsistent node folded
            return list(np.shape(self.constants[name]))
        if name not in self.shapes and len(self.constants) != self.inferred_with:
            self.shapes = self.infer_shapes()
        return self.shapes.get(name)

    def operand(self, node, name, channels_last=False):
        if name in self.views or (name in self.channels_last and not channels_last):
            self.materialize(node, name)
        if name in self.constants and name not in self.tensors:
            self.tensors[name] = self.constant_layer(node, name)
        return self.tensors[name]

    def constant_layer(self, node, name):
        """A constant read as a tensor: a `constant` layer, its weight of its own name."""
        value = np.asarray(self.constants[name])
        if value.dtype.kind not in "fiu":  # integers: Pow's exponent may be one
            self.fail(node, f"its operand '{name}' is a {value.dtype} constant; Kiln's tensors are f32")
        if value.size == 0 or value.ndim > 6:
            self.fail(node, f"its constant operand '{name}' of shape {list(value.shape)} is not a Kiln tensor "
                      "(1 to 6 dimensions, not empty)")
        base = kiln_name(name)
        while base in self.weights or base in self.used:
            base += "_"
        kiln = self.emit(base, "constant", [], [f"shape={list(value.shape) or [1]}"])
        self.weights[kiln] = value.astype(np.float32).reshape(value.shape or (1,))
        return kiln

    def materialize(self, node, name, base=None):
        """A view the importer kept as a layout (a channel shuffle's 5-D steps, a
        transpose to NHWC) read by a layer that needs the tensor itself: written
        out as reshape and transpose layers."""
        if name in self.views:
            source, groups, shape, transposed = self.views.pop(name)
            split = [shape[0], shape[2], shape[1]] + shape[3:] if transposed else shape
            current = self.emit(name + "_view" if transposed or not base else base, "reshape",
                                [self.operand(node, source)], [f"shape={split}"])
            if transposed:
                current = self.emit(base or name + "_swap", "transpose", [current], ["perm=[0, 2, 1, 3, 4]"])
            self.tensors[name] = current
        elif name in self.channels_last:
            self.channels_last.discard(name)
            self.tensors[name] = self.emit(base or name + "_nhwc", "transpose", [self.tensors[name]],
                                           ["perm=[0, 2, 3, 1]"])

    def emit(self, base, op, operands, attrs=()):
        """Writes one layer over Kiln names; returns its own (unique) name."""
        name = self.unique(kiln_name(base))
        self.lines.append(f"{name} = {op}({', '.join(list(operands) + list(attrs))})")
        return name

    def define(self, node, op, operands, attrs=(), layout_free=False):
        """The layer computing the node's output from ONNX tensors `operands`. A
        layout_free op (elementwise, or over the channels) also reads NHWC
        transposes when all its operands are: its output is one too."""
        shape = self.shape(node.output[0])
        if shape is not None and len(shape) > 6:
            self.fail(node, f"its output {shape} has {len(shape)} dimensions; Kiln tensors have at most 6")
        views = [o in self.channels_last for o in operands]
        layout_free = layout_free and (all(views) or not any(views))  # else each NHWC operand is transposed
        name = self.emit(node.name or node.output[0], op,
                         [self.operand(node, o, layout_free) for o in operands], attrs)
        self.tensors[node.output[0]] = name
        if layout_free and any(views):
            self.channels_last.add(node.output[0])
        return name

    def channel_axis(self, name):
        """The ONNX axis that is Kiln's axis 1 (the channels) of a tensor."""
        shape = self.shape(name)
        return len(shape) - 1 if name in self.channels_last else 1

    def alias(self, node, source, channels_last=False):
        self.tensors[node.output[0]] = self.operand(node, source, channels_last)
        if source in self.channels_last:
            self.channels_last.add(node.output[0])

    def fail(self, node, text):
        raise ImportFailure(f"{label(node)}: {text}")

    # --- nodes -------------------------------------------------------------------
    def node(self, node, index):
        op = node.op_type
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if len(node.output) != 1 and op not in ("Dropout", "MaxPool", "BatchNormalization", "Split",
                                                "LayerNormalization"):
            self.fail(node, f"{len(node.output)} outputs; Kiln's layers have one")
        inputs = [i for i in node.input if i]
        shape = self.shape(node.output[0]) if node.output else None
        if shape is not None and 0 in shape and op not in WINDOWED:  # window() says why for those
            self.fail(node, f"its output would be empty: {shape}")
        if op == "Constant":
            if "value" not in attrs:
                self.fail(node, "only a Constant with a 'value' tensor is supported")
            self.constants[node.output[0]] = self.read_tensor(attrs["value"], label(node))
        elif inputs and all(i in self.constants for i in inputs) and op in FOLDS:
            try:
                self.constants[node.output[0]] = np.asarray(FOLDS[op](self, node, attrs))
            except ImportFailure:
                raise
            except Exception as e:  # noqa: BLE001 - numpy's errors for inconsistent constants
                self.fail(node, f"cannot fold its constant inputs ({type(e).__name__}: {e})")
        elif op == "Shape":
            shape = self.shape(node.input[0])
            if shape is None:
                self.fail(node, f"the shape of '{node.input[0]}' is not known at import")
            self.constants[node.output[0]] = np.asarray(shape, dtype=np.int64)[attrs.get("start", 0):attrs.get("end")]
        elif any(i in self.quantized for i in inputs) and op not in READS_8BIT:
            source = next(i for i in inputs if i in self.quantized)
            self.fail(node, f"reads the 8-bit tensor '{source}'; Kiln holds 8-bit tensors as their values, for "
                      f"{', '.join(sorted(READS_8BIT))} (dequantize it first)")
        elif op in ("Identity", "Dropout"):
            self.alias(node, node.input[0], channels_last=True)
        elif index in self.fused:
            self.fused[index](node)
        elif op in TENSOR_OPS:
            TENSOR_OPS[op](self, node, attrs)
        else:
            if inputs and all(i in self.constants for i in inputs):
                self.fail(node, "Kiln cannot fold this op of constants at import")
            raise ImportFailure(f"{label(node)} has no Kiln layer")
        if inputs and inputs[0] in self.quantized and op in KEEPS_GRID and node.output[0] in self.tensors:
            self.quantized[node.output[0]] = self.quantized[inputs[0]]

    def conv_weight(self, node, attrs, what, grouped_axis):
        """A Conv's or ConvTranspose's weight, group, kernel and input shape, checked
        against each other; the group divides the weight's `grouped_axis`."""
        w = self.weight(node, 1, "weight", required=True)
        if w.ndim != 4:
            self.fail(node, f"{w.ndim - 2}-D {what}; Kiln's is 2-D")
        group = attrs.get("group", 1)
        kernel = list(attrs.get("kernel_shape", w.shape[2:]))
        if group < 1 or w.shape[0] % group:
            self.fail(node, f"group={group} does not divide the weight's {w.shape[0]} {grouped_axis} channels")
        if kernel != list(w.shape[2:]):
            self.fail(node, f"kernel_shape {kernel} disagrees with the weight's shape {list(w.shape)}")
        return w, group, kernel, self.shape(node.input[0])

    def bias(self, node, filters):
        """A convolution node's bias of `filters` values, or None where it has none."""
        b = self.weight(node, 2, "bias")
        if b is not None and b.shape != (filters,):
            self.fail(node, f"a bias of shape {list(b.shape)} for {filters} output channels")
        return b

    def define_conv(self, node, op, parts, w, filters):
        """The layer with its weight and (where the node has one) its bias of `filters` values."""
        b = self.bias(node, filters)
        name = self.define(node, op, [node.input[0]], parts + [f"bias={'true' if b is not None else 'false'}"])
        self.weights[name + ".weight"] = w
        if b is not None:
            self.weights[name + ".bias"] = b

    def conv(self, node, attrs):
        w, group, kernel, x = self.conv_weight(node, attrs, "convolution", "output")
        if x is not None and (len(x) != 4 or x[1] != w.shape[1] * group):
            self.fail(node, f"the weight {list(w.shape)} with group={group} reads {w.shape[1] * group} channels, "
                      f"the input '{node.input[0]}' is {x}")
        parts = [f"filters={w.shape[0]}", f"kernel={pair_text(kernel)}", f"groups={group}"] + \
            self.window(node, attrs, kernel)
        self.define_conv(node, "conv2d", parts, w, w.shape[0])

    def conv_transpose(self, node, attrs):
        w, group, kernel, x = self.conv_weight(node, attrs, "transposed convolution", "input")
        if x is None or len(x) != 4 or x[1] != w.shape[0]:
            self.fail(node, f"the weight {list(w.shape)} reads {w.shape[0]} channels, the input '{node.input[0]}' "
                      f"is {x}")
        strides, dilations = list(attrs.get("strides", [1, 1])), list(attrs.get("dilations", [1, 1]))
        extra = list(attrs.get("output_padding", [0, 0]))
        pads = list(attrs.get("pads", [0, 0, 0, 0]))
        auto_pad = attrs.get("auto_pad", b"NOTSET").decode()
        if len(extra) != 2 or min(extra) < 0:
            self.fail(node, f"output_padding={extra}: expected 2 values of at least 0")
        if auto_pad not in ("NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"):
            self.fail(node, f"auto_pad={auto_pad} is not an ONNX padding")
        if "output_shape" in attrs or auto_pad.startswith("SAME"):
            # The padding that gives the asked size, split as ONNX says.
            target = list(attrs["output_shape"])[-2:] if "output_shape" in attrs else \
                [x[2] * strides[0], x[3] * strides[1]]
            for axis in (0, 1):
                total = strides[axis] * (x[2 + axis] - 1) + extra[axis] + (kernel[axis] - 1) * dilations[axis] + 1 \
                    - target[axis]
                small, large = total // 2, total - total // 2  # negative: rows or columns beyond the full output
                pads[axis], pads[axis + 2] = (small, large) if auto_pad == "SAME_UPPER" else (large, small)
        elif auto_pad == "VALID":
            pads = [0, 0, 0, 0]
        beyond = [max(-p, 0) for p in pads]  # ONNX's order: top, left, bottom, right
        pads = [max(p, 0) for p in pads]
        parts = [f"filters={w.shape[1] * group}", f"kernel={pair_text(kernel)}", f"stride={pair_text(strides)}",
                 f"dilation={pair_text(dilations)}", f"padding=({pads[0]}, {pads[1]}, {pads[2]}, {pads[3]})",
                 f"output_padding=({extra[0]}, {extra[1]})", f"groups={group}"]
        if not any(beyond):
            return self.define_conv(node, "conv_transpose2d", parts, w, w.shape[1] * group)
        # An output larger than the full one (output_shape): the full output,
        # then zeros around it, then the bias everywhere.
        filters = w.shape[1] * group
        b = self.bias(node, filters)
        base = node.name or node.output[0]
        full = self.emit(base + "_full", "conv_transpose2d", [self.operand(node, node.input[0])], parts + ["bias=false"])
        self.weights[full + ".weight"] = w
        padding = f"padding=({beyond[0]}, {beyond[1]}, {beyond[2]}, {beyond[3]})"
        if b is None:
            self.tensors[node.output[0]] = self.emit(base, "pad", [full], [padding])
            return
        padded = self.emit(base + "_padded", "pad", [full], [padding])
        name = self.emit(base, "scale", [padded], ["bias=true"])
        self.tensors[node.output[0]] = name
        self.weights[name + ".weight"] = np.ones(filters, np.float32)
        self.weights[name + ".bias"] = b

    # --- quantized tensors -----------------------------------------------------
    def grid(self, node, scale_at, zero_at, what):
        """The (scale, zero point, min, max) of one tensor's 8-bit quantization, per tensor, from a node's
        constants: Kiln's fake_quantize (and an int8 kernel) takes one grid a tensor."""
        scale, zero = quantization(self, node, scale_at, zero_at, what)
        if scale.size != 1:
            self.fail(node, f"its {what} has {scale.size} scales; Kiln quantizes a tensor with one (per-channel "
                      "scales are for constant weights)")
        if zero.dtype not in (np.uint8, np.int8):
            self.fail(node, f"its {what} zero point is {zero.dtype}; Kiln's 8-bit tensors are uint8 or int8")
        low, high = (0, 255) if zero.dtype == np.uint8 else (-128, 127)
        return np.float32(scale.reshape(-1)[0]), int(zero.reshape(-1)[0]), low, high

    def on_grid(self, node, tensor, scale_at, zero_at, what):
        """The Kiln layer of an 8-bit tensor `tensor` that a node reads with the quantization at
        scale_at/zero_at: the grid it was quantized to (a different one would re-interpret its levels)."""
        if tensor not in self.quantized:
            self.fail(node, f"reads '{tensor}' as an 8-bit tensor, which no QuantizeLinear or QLinear op computes")
        grid = self.grid(node, scale_at, zero_at, what)
        if grid != self.quantized[tensor]:
            self.fail(node, f"reads '{tensor}' with scale {f32_text(grid[0])} and zero point {grid[1]}; it was "
                      f"quantized with scale {f32_text(self.quantized[tensor][0])} and zero point "
                      f"{self.quantized[tensor][1]}")
        return self.operand(node, tensor, channels_last=True)

    def fake_quantize(self, node, source, grid, base=None):
        """The fake_quantize layer that puts ONNX tensor `source` on `grid`, defining node.output[0]."""
        scale, zero, low, high = grid
        attrs = [f"scale={f32_text(scale)}", f"zero_point={zero}", f"min={low}", f"max={high}"]
        if base is None:
            self.define(node, "fake_quantize", [source], attrs, layout_free=True)
        else:
            self.tensors[node.output[0]] = self.emit(base, "fake_quantize", [self.operand(node, source, True)], attrs)
            if source in self.channels_last:
                self.channels_last.add(node.output[0])
        self.quantized[node.output[0]] = grid

    def quantize_linear(self, node, attrs):
        self.fake_quantize(node, node.input[0], self.grid(node, 1, 2, "output"))

    def dequantize_linear(self, node, attrs):
        self.on_grid(node, node.input[0], 1, 2, "input")
        self.alias(node, node.input[0], channels_last=True)

    def qlinear(self, node, attrs):
        """QLinearConv and QLinearMatMul: the f32 op on the dequantized operands, then the
        fake_quantize of its output. Kiln's int8 kernels quantize the weights again per output
        channel, symmetric; ONNX Runtime's quantizer writes them so."""
        conv = node.op_type == "QLinearConv"
        self.on_grid(node, node.input[0], 1, 2, "input")
        weight = dequantized(self, node, 3, 4, 5, "weight", axis=0 if conv else 1)
        output = self.grid(node, 6, 7, "output")
        inputs = [node.input[0], self.constant_named(node.output[0] + "_weight", weight)]
        if conv and len(node.input) > 8 and node.input[8]:
            bias = self.constant(node, 8, "bias")
            x_scale, w_scale = self.quantized[node.input[0]][0], quantization(self, node, 4, 5, "weight")[0]
            if bias.dtype != np.int32 or bias.shape != (weight.shape[0],):
                self.fail(node, f"its bias is {bias.dtype} {list(bias.shape)}; ONNX wants int32 [{weight.shape[0]}]")
            inputs.append(self.constant_named(node.output[0] + "_bias",
                                              bias.astype(np.float32) * (x_scale.reshape(-1) * w_scale.reshape(-1))))
        name = node.name or node.output[0]
        inner = onnx.helper.make_node("Conv" if conv else "MatMul", inputs, [node.output[0] + "_f32"], name=name,
                                      **(attrs if conv else {}))
        self.shapes[inner.output[0]] = self.shape(node.output[0])
        (self.conv if conv else self.matmul)(inner, attrs)
        self.fake_quantize(node, inner.output[0], output, base=name + "_quantized")

    def constant_named(self, base, value):
        """A constant the importer computes (a dequantized weight), under a name no tensor has."""
        name = base
        while name in self.constants or name in self.shapes:
            name += "_"
        self.constants[name] = value
        self.inferred_with += 1  # not a reason to infer the shapes again
        return name

    def pool(self, node, attrs):
        if len(node.output) > 1 and node.output[1]:
            self.fail(node, "max pooling with indices has no Kiln layer")
        kernel = list(attrs.get("kernel_shape", []))
        if len(kernel) != 2:
            self.fail(node, f"{len(kernel)}-D pooling; Kiln pools 2-D")
        parts = [f"kernel={pair_text(kernel)}"] + self.window(node, attrs, kernel)
        if attrs.get("ceil_mode", 0):
            parts.append("ceil_mode=true")
        if node.op_type == "AveragePool":
            parts.append(f"count_include_pad={'true' if attrs.get('count_include_pad', 0) else 'false'}")
        self.define(node, "maxpool" if node.op_type == "MaxPool" else "avgpool", [node.input[0]], parts)

    def window(self, node, attrs, kernel):
        """stride, dilation and padding of a Conv or a pool, the window inside the padded input."""
        strides, dilations = list(attrs.get("strides", [1, 1])), list(attrs.get("dilations", [1, 1]))
        parts = [f"stride={pair_text(strides)}"]
        if node.op_type == "AveragePool" and dilations != [1, 1]:
            self.fail(node, f"dilations={dilations}; Kiln's avgpool has no dilation")
        if "dilations" in attrs and node.op_type != "AveragePool":
            parts.append(f"dilation={pair_text(dilations)}")
        auto_pad = attrs.get("auto_pad", b"NOTSET").decode()
        pads = [0, 0, 0, 0]
        if auto_pad == "SAME_UPPER":
            parts.append("padding=same")
        elif auto_pad == "VALID":
            parts.append("padding=valid")
        elif auto_pad != "NOTSET":
            self.fail(node, f"auto_pad={auto_pad} has no Kiln padding (SAME_UPPER, VALID and explicit pads do)")
        elif "pads" in attrs:
            pads = list(attrs["pads"])
            parts.append(f"padding=({pads[0]}, {pads[1]}, {pads[2]}, {pads[3]})")
        x = self.shape(node.input[0])
        if x is not None and len(x) != 4:
            self.fail(node, f"its input '{node.input[0]}' is {x}; Kiln's windows slide over NCHW tensors")
        for axis, name in ((0, "height"), (1, "width")):
            span = dilations[axis] * (kernel[axis] - 1) + 1
            if auto_pad != "SAME_UPPER" and x is not None and x[2 + axis] + pads[axis] + pads[axis + 2] < span:
                self.fail(node, f"its window ({span} wide) is larger than the padded input {name} "
                          f"{x[2 + axis] + pads[axis] + pads[axis + 2]}")
        return parts

    def global_pool(self, node, attrs):
        x = self.shape(node.input[0])
        if x is None or len(x) != 4:
            self.fail(node, f"its input '{node.input[0]}' is {x}; Kiln's global pools take NCHW tensors")
        self.define(node, "global_avgpool" if node.op_type == "GlobalAveragePool" else "global_maxpool", [node.input[0]])

    def dense(self, node, attrs, bias_node=None):
        """Gemm, or MatMul (with the Add of a bias after it when bias_node is that Add): a dense layer
        over [N, F], or a 1x1 conv2d over the channels of an NHWC transpose."""
        w = self.weight(node, 1, "weight", required=True)
        if w.ndim != 2 or attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
            self.fail(node, "only x W^T + b with a constant 2-D W maps to dense")
        weight = w if attrs.get("transB", 0) else w.T  # Kiln's dense weight is [units, F]
        source = node.input[0]
        x = self.shape(source)
        over_channels = source in self.channels_last
        if x is not None and (len(x) != (4 if over_channels else 2) or x[-1] != weight.shape[1]):
            self.fail(node, f"the weight {list(w.shape)} reads {weight.shape[1]} features, the input '{source}' is {x} "
                      "(Kiln's dense reads [N, F]; a 4-D MatMul maps to a 1x1 conv2d over an NHWC transpose)")
        b = self.weight(node, 2, "bias") if node.op_type == "Gemm" else None
        if bias_node is not None:
            b = self.constants[[i for i in bias_node.input if i != node.output[0]][0]]
        if b is not None:
            if b.size != weight.shape[0]:
                self.fail(bias_node or node, f"a bias of shape {list(b.shape)} for {weight.shape[0]} outputs")
            b = b.reshape(-1)
        output = bias_node or node
        has_bias = f"bias={'true' if b is not None else 'false'}"
        if over_channels:
            name = self.define(output, "conv2d", [source], [f"filters={weight.shape[0]}", "kernel=1", has_bias],
                               layout_free=True)
            weight = weight[:, :, None, None]
        else:
            name = self.define(output, "dense", [source], [f"units={weight.shape[0]}", has_bias])
        self.weights[name + ".weight"] = np.ascontiguousarray(weight)
        if b is not None:
            self.weights[name + ".bias"] = b

    def matmul(self, node, attrs):
        """MatMul by a constant: a dense layer (or a 1x1 conv2d over NHWC); of two tensors: matmul."""
        if node.input[1] in self.constants:
            self.dense(node, attrs)
            return
        a, b = self.shape(node.input[0]), self.shape(node.input[1])
        if a is None or b is None or len(a) < 2 or len(b) < 2 or a[-1] != b[-2]:
            self.fail(node, f"MatMul of {a} by {b}: Kiln's matmul multiplies [..., M, K] by [..., K, N]")
        self.define(node, "matmul", node.input[:2])

    def layer_norm(self, node, source, eps, weight=None, bias=None):
        """A layer norm over the channels of `source` (see channel_axis)."""
        channels = self.shape(source)[self.channel_axis(source)]
        for what, value in (("scale", weight), ("bias", bias)):
            if value is not None and value.size not in (1, channels):
                self.fail(node, f"its {what} has shape {list(value.shape)}, the input '{source}' has {channels} channels")
        if not eps > 0:
            self.fail(node, f"epsilon={eps} must be positive")
        affine = weight is not None or bias is not None
        name = self.define(node, "layer_norm", [source], [f"eps={eps!r}"] + ([] if affine else ["affine=false"]),
                           layout_free=True)
        if affine:
            ones = np.ones(channels, dtype=np.float32)
            self.weights[name + ".weight"] = ones if weight is None else np.broadcast_to(weight.reshape(-1), (channels,))
            self.weights[name + ".bias"] = np.zeros(channels, dtype=np.float32) if bias is None else np.broadcast_to(bias.reshape(-1), (channels,))

    def layer_normalization(self, node, attrs):
        x = self.shape(node.input[0])
        if any(node.output[1:]):
            self.fail(node, "its mean and inverse deviation outputs have no Kiln layer")
        if x is None or attrs.get("axis", -1) % len(x) != len(x) - 1 or self.channel_axis(node.input[0]) != len(x) - 1:
            self.fail(node, f"normalizes from axis {attrs.get('axis', -1)} of {x}; Kiln's layer_norm normalizes the "
                      "channels: the last axis of [N, F], or of NCHW transposed to NHWC")
        self.layer_norm(node, node.input[0], float(attrs.get("epsilon", 1e-5)),
                        self.weight(node, 1, "scale", required=True), self.weight(node, 2, "bias"))

    def unary(self, node, attrs):
        op = node.op_type
        if op == "LeakyRelu":
            self.define(node, "leaky_relu", [node.input[0]], [f"alpha={float(attrs.get('alpha', 0.01))!r}"],
                        layout_free=True)
        elif op == "HardSigmoid":
            self.define(node, "hardsigmoid", [node.input[0]],
                        [f"alpha={float(attrs.get('alpha', 0.2))!r}", f"beta={float(attrs.get('beta', 0.5))!r}"],
                        layout_free=True)
        else:
            self.define(node, UNARY[op], [node.input[0]], layout_free=True)

    def clip_bounds(self, node, attrs):
        """A Clip's (min, max), each None where not given: attributes before opset 11, inputs since."""
        if self.opset < 11:
            return attrs.get("min"), attrs.get("max")
        return self.constant(node, 1, "min"), self.constant(node, 2, "max")

    def clip(self, node, attrs):
        low, high = self.clip_bounds(node, attrs)
        parts = ([f"min={float(low)!r}"] if low is not None else []) + ([f"max={float(high)!r}"] if high is not None else [])
        self.define(node, "clip", [node.input[0]], parts, layout_free=True)

    def binary(self, node, attrs):
        """Add, Sub, Mul, Div, Pow of two operands; Max and Min of one or more (a chain of layers)."""
        operands = [o for o in node.input if o]
        variadic = node.op_type in ("Max", "Min")
        if len(operands) != 2 and not (variadic and operands):
            self.fail(node, f"{len(operands)} operands; expected 2")
        if len(operands) == 1:
            return self.alias(node, operands[0], channels_last=True)
        constant = [o in self.constants for o in operands]
        if any(constant) and not all(constant) and len(operands) == 2 and not variadic and \
                self.scale_by_constant(node, operands):
            return
        for o in operands:
            self.operand(node, o, channels_last=True)  # views written out, constants as `constant` layers
        shapes = [list(np.shape(self.constants[o])) if o in self.constants else self.shape(o) for o in operands]
        if None not in shapes:
            try:
                out = list(np.broadcast_shapes(*map(tuple, shapes)))
            except ValueError:
                self.fail(node, f"operands of shapes {' and '.join(map(str, shapes))} do not broadcast")
            if any(o in self.channels_last for o in operands) and any(shape != out for shape in shapes):
                self.fail(node, f"broadcasts NHWC transposes {' and '.join(map(str, shapes))}; Kiln broadcasts "
                          "NCHW tensors")
            # Where the op commutes, the operand of the output's own shape
            # first, so that the layer can fuse into the kernel computing it.
            if node.op_type in ("Add", "Mul", "Max", "Min") and shapes[0] != out and shapes[1] == out:
                operands[:2] = operands[1::-1]
        op = node.op_type.lower()
        current = operands[0]
        for i, other in enumerate(operands[1:], 1):
            if i == len(operands) - 1:
                self.define(node, op, [current, other], layout_free=True)
            else:
                name = self.emit(f"{node.name or node.output[0]}_{i}", op,
                                 [self.operand(node, current, True), self.operand(node, other, True)])
                current = f"{node.output[0]}#{i}"
                self.tensors[current] = name
                if operands[0] in self.channels_last:
                    self.channels_last.add(current)

    def scale_by_constant(self, node, operands):
        """A tensor and a constant that is one value per channel (or one value): a
        scale layer, which fuses with what computes the tensor. False if the
        constant is not such (it is then a `constant` layer)."""
        first = operands[0] not in self.constants
        x = operands[0] if first else operands[1]
        c = np.asarray(self.constants[operands[1] if first else operands[0]])
        shape = self.shape(x)
        if c.dtype.kind not in "fiu" or shape is None or len(shape) < 2 or c.ndim > len(shape):
            return False
        values = per_channel(c, shape, self.channel_axis(x))
        weights = None if values is None else scale_weights(node.op_type.lower(), values, not first)
        if weights is None:
            return False
        weight, bias = weights
        if bias is not None and not np.any(bias) and np.all(weight == 1):
            self.alias(node, x, channels_last=True)
            return True
        name = self.define(node, "scale", [x], [f"bias={'true' if bias is not None else 'false'}"], layout_free=True)
        self.weights[name + ".weight"] = weight
        if bias is not None:
            self.weights[name + ".bias"] = bias
        return True

    def concat(self, node, attrs):
        operands = [i for i in node.input if i]
        shapes = [self.shape(o) for o in operands]
        axis = attrs.get("axis", 1)
        if None in shapes:
            self.fail(node, f"the shape of '{operands[shapes.index(None)]}' is not known at import")
        rank = len(shapes[0])
        if not -rank <= axis < rank:
            self.fail(node, f"axis={axis} is out of range for {rank} dimensions")
        for o, shape in zip(operands, shapes):
            if len(shape) != rank or any(d != e for i, (d, e) in enumerate(zip(shape, shapes[0])) if i != axis % rank):
                self.fail(node, f"operands '{operands[0]}' {shapes[0]} and '{o}' {shape} differ in more than axis {axis}")
        if len(operands) == 1:
            self.alias(node, operands[0])
        else:
            self.define(node, "concat", operands, [f"axis={axis}"])

    def flatten(self, node, attrs):
        x = self.shape(node.input[0])
        axis = attrs.get("axis", 1)
        if axis != 1 and not (x is not None and axis < 0 and axis + len(x) == 1):
            self.fail(node, f"flatten from axis {axis}; Kiln flattens from axis 1")
        if x is not None and len(x) < 2:
            self.fail(node, f"flatten of {x}; Kiln flattens tensors of 2 or more dimensions")
        self.define(node, "flatten", [node.input[0]])

    def reshape(self, node, attrs):
        shape = self.integers(node, 1, "shape", required=True)
        view = self.views.get(node.input[0])
        x = view[2] if view else self.shape(node.input[0])
        if x is None:
            self.fail(node, f"the shape of '{node.input[0]}' is not known at import")
        target = [x[i] if v == 0 and not attrs.get("allowzero", 0) and i < len(x) else v for i, v in enumerate(shape)]
        if target.count(-1) == 1:
            known = int(np.prod([v for v in target if v != -1]))
            target[target.index(-1)] = int(np.prod(x)) // known if known else 0
        if int(np.prod(target)) != int(np.prod(x)) or min(target, default=1) < 0:
            self.fail(node, f"cannot reshape {x} to {shape}")
        if view and view[3] and target == self.shape(view[0]):
            self.define(node, "channel_shuffle", [view[0]], [f"groups={view[1]}"])
        elif target == x:
            self.alias(node, node.input[0])
        elif len(x) == 4 and len(target) == 5 and target[0] == x[0] and target[1] * target[2] == x[1] and \
                target[3:] == x[2:]:
            self.views[node.output[0]] = (node.input[0], target[1], target, False)
        elif len(target) == 2 and len(x) >= 2 and target[0] == x[0] and node.input[0] not in self.channels_last:
            self.define(node, "flatten", [node.input[0]])
        else:
            self.define(node, "reshape", [node.input[0]], [f"shape={target}"])

    def transpose(self, node, attrs):
        view = self.views.get(node.input[0])
        perm = list(attrs.get("perm", []))
        x = self.shape(node.input[0])
        if node.input[0] in self.channels_last and perm == [0, 3, 1, 2]:
            self.tensors[node.output[0]] = self.tensors[node.input[0]]
            return
        if view is None and x is not None and len(x) == 4 and perm == [0, 2, 3, 1] and \
                node.input[0] not in self.channels_last:
            self.alias(node, node.input[0])
            self.channels_last.add(node.output[0])
            return
        if view is not None and not view[3] and perm == [0, 2, 1, 3, 4]:
            source, groups, shape, _ = view
            self.views[node.output[0]] = (source, groups, [shape[0], shape[2], shape[1]] + shape[3:], True)
            return
        rank = len(x) if x is not None else len(perm)
        perm = perm or list(range(rank))[::-1]
        if sorted(perm) != list(range(rank)):
            self.fail(node, f"perm {perm} is not a permutation of the {rank} axes of {x}")
        self.define(node, "transpose", [node.input[0]], [f"perm={perm}"])

    def split(self, node, attrs):
        """Each output a slice along the axis."""
        x = self.shape(node.input[0])
        if x is None:
            self.fail(node, f"the shape of '{node.input[0]}' is not known at import")
        axis = attrs.get("axis", 0)
        if not -len(x) <= axis < len(x):
            self.fail(node, f"axis {axis} is out of range for {x}")
        axis %= len(x)
        sizes = attrs.get("split") if self.opset < 13 else self.integers(node, 1, "split")
        count = len(node.output)
        if sizes is None:
            if x[axis] % count:
                self.fail(node, f"{count} equal parts of the {x[axis]} of axis {axis}")
            sizes = [x[axis] // count] * count
        sizes = [int(v) for v in sizes]
        if len(sizes) != count or sum(sizes) != x[axis] or min(sizes) < 1:
            self.fail(node, f"split {sizes} of the {x[axis]} of axis {axis} into {count} outputs")
        start = 0
        for output, size in zip(node.output, sizes):
            self.tensors[output] = self.emit(output if not node.name else f"{node.name}_{output}", "slice",
                                             [self.operand(node, node.input[0])],
                                             [f"axis={axis}", f"start={start}", f"end={start + size}"])
            start += size

    def slice(self, node, attrs):
        """A slice layer per sliced axis."""
        x = self.shape(node.input[0])
        if x is None:
            self.fail(node, f"the shape of '{node.input[0]}' is not known at import")
        if self.opset < 10:
            starts, ends, axes, steps = attrs.get("starts"), attrs.get("ends"), attrs.get("axes"), None
        else:
            starts, ends = self.integers(node, 1, "starts", True), self.integers(node, 2, "ends", True)
            axes, steps = self.integers(node, 3, "axes"), self.integers(node, 4, "steps")
        axes = list(range(len(starts))) if axes is None else [int(a) for a in axes]
        steps = [1] * len(starts) if steps is None else [int(v) for v in steps]
        if not len(starts) == len(ends) == len(axes) == len(steps) or any(not -len(x) <= a < len(x) for a in axes):
            self.fail(node, f"starts, ends, axes and steps that disagree for {x}")
        source = node.input[0]
        current = self.operand(node, source)
        for start, end, axis, step in zip(starts, ends, axes, steps):
            if step < 1:
                self.fail(node, f"step {step}; Kiln slices forwards")
            start, end = (int(max(min(v, 2 ** 31 - 1), -2 ** 31)) for v in (start, end))
            count = len(range(*slice(start, end, step).indices(x[axis % len(x)])))
            if count < 1:
                self.fail(node, f"the slice [{start}:{end}:{step}] of axis {axis} of {x} is empty")
            current = self.emit(node.name or node.output[0], "slice", [current],
                                [f"axis={axis % len(x)}", f"start={start}", f"end={end}", f"step={step}"])
        self.tensors[node.output[0]] = current

    def resize(self, node, attrs):
        x = self.shape(node.input[0])
        if x is None or len(x) != 4:
            self.fail(node, f"resizes {x}; Kiln resizes H and W of NCHW tensors")
        if self.opset < 11:
            scales, sizes = self.constant(node, 1, "scales"), None
        else:
            scales, sizes = self.constant(node, 2, "scales"), self.integers(node, 3, "sizes")
        if sizes is not None and len(sizes):
            target = [int(v) for v in sizes]
        elif scales is not None and len(scales) == 4:
            target = [int(np.floor(d * float(s))) for d, s in zip(x, scales)]
            if any(abs(d * float(s) - t) > 1e-6 for d, s, t in zip(x, scales, target)):
                self.fail(node, f"scales {list(map(float, scales))} of {x} give fractional sizes; Kiln resizes to "
                          "whole sizes")
        else:
            self.fail(node, "neither sizes nor 4 scales are given")
        if len(target) != 4 or target[:2] != x[:2] or min(target) < 1:
            self.fail(node, f"resize of {x} to {target}; Kiln resizes H and W")
        mode = attrs.get("mode", b"nearest").decode()
        coordinates = attrs.get("coordinate_transformation_mode", b"half_pixel").decode()
        nearest = attrs.get("nearest_mode", b"round_prefer_floor").decode()
        if mode == "nearest" and coordinates == "asymmetric" and nearest == "floor":
            parts = ["mode=nearest"]
        elif mode == "linear" and (coordinates == "half_pixel" or
                                   (coordinates == "pytorch_half_pixel" and min(target[2:]) > 1)):
            parts = ["mode=bilinear"]
        elif mode == "linear" and coordinates == "align_corners":
            parts = ["mode=bilinear", "align_corners=true"]
        else:
            self.fail(node, f"mode={mode} with coordinate_transformation_mode={coordinates}"
                      + (f" and nearest_mode={nearest}" if mode == "nearest" else "") + " has no Kiln layer "
                      "(Kiln's resize is PyTorch's nearest: asymmetric, floor; and bilinear: half_pixel or align_corners)")
        self.define(node, "resize", [node.input[0]], [f"size=({target[2]}, {target[3]})"] + parts)

    def squeeze(self, node, attrs):
        """Squeezing [N, C, 1, 1] to [N, C] (as after a global pool) is a flatten."""
        x, y = self.shape(node.input[0]), self.shape(node.output[0])
        if x is None or y is None:
            self.fail(node, f"the shape of '{node.input[0]}' is not known at import")
        if y == x:
            self.alias(node, node.input[0])
        elif len(y) == 2 and len(x) >= 2 and y[0] == x[0] and node.input[0] not in self.channels_last:
            self.define(node, "flatten", [node.input[0]])
        elif not y:
            self.fail(node, f"{node.op_type} of {x} to a scalar; Kiln tensors have at least one dimension")
        elif int(np.prod(x)) != int(np.prod(y)):
            self.fail(node, f"{node.op_type} of {x} to {y} changes the element count")
        else:
            self.define(node, "reshape", [node.input[0]], [f"shape={list(y)}"])

    def reduce_axes(self, node, attrs):
        """A reduction's axes (an attribute before opset 18, an input since), sorted, in 0..rank-1."""
        x = self.shape(node.input[0])
        axes = attrs.get("axes")
        if axes is None and len(node.input) > 1 and node.input[1]:
            axes = self.integers(node, 1, "axes")
        if x is None or axes is None:
            return None
        axes = [int(a) for a in axes]
        if any(not -len(x) <= a < len(x) for a in axes) or len({a % len(x) for a in axes}) != len(axes):
            self.fail(node, f"axes {axes} of {x}: each must be in range and named once")
        return sorted(a % len(x) for a in axes)

    def reduce(self, node, attrs):
        """ReduceMean over H and W of NCHW is a global_avgpool; the rest reduce_* layers."""
        x = self.shape(node.input[0])
        axes = self.reduce_axes(node, attrs)
        keepdims = bool(attrs.get("keepdims", 1))
        if x is None:
            self.fail(node, f"the shape of '{node.input[0]}' is not known at import")
        if axes == [] and attrs.get("noop_with_empty_axes", 0):
            self.alias(node, node.input[0])
            return
        if node.op_type == "ReduceMean" and len(x) == 4 and axes == [2, 3] and node.input[0] not in self.channels_last:
            if keepdims:
                self.define(node, "global_avgpool", [node.input[0]])
            else:
                pooled = self.emit((node.name or node.output[0]) + "_pool", "global_avgpool",
                                   [self.operand(node, node.input[0])])
                self.tensors[node.output[0]] = self.emit(node.name or node.output[0], "flatten", [pooled])
            return
        if not keepdims and (not axes or len(axes) == len(x)):
            self.fail(node, f"{node.op_type} of {x} to a scalar; Kiln tensors have at least one dimension")
        self.define(node, REDUCE[node.op_type], [node.input[0]],
                    ([f"axes={axes}"] if axes else []) + [f"keepdims={'true' if keepdims else 'false'}"])

    def batchnorm(self, node, attrs):
        if attrs.get("training_mode", 0) or (len(node.output) > 1 and any(node.output[1:])):
            self.fail(node, "BatchNormalization in training mode")
        x = self.shape(node.input[0])
        if x is not None and len(x) < 2:
            self.fail(node, f"its input '{node.input[0]}' is {x}; Kiln normalizes axis 1 of 2-D or larger tensors")
        params = [self.weight(node, i, key, required=True) for i, key in
                  ((1, "weight"), (2, "bias"), (3, "running_mean"), (4, "running_var"))]
        channels = x[1] if x is not None and len(x) > 1 else params[0].size
        for (index, key), p in zip(((1, "weight"), (2, "bias"), (3, "running_mean"), (4, "running_var")), params):
            if p.shape != (channels,):
                self.fail(node, f"its {key} has shape {list(p.shape)}, the input '{node.input[0]}' has {channels} channels")
        eps = float(attrs.get("epsilon", 1e-5))
        if not eps > 0:
            self.fail(node, f"epsilon={eps} must be positive")
        name = self.define(node, "batchnorm", [node.input[0]], [f"eps={eps!r}"])
        for key, p in zip(("weight", "bias", "running_mean", "running_var"), params):
            self.weights[f"{name}.{key}"] = p

    def softmax(self, node, attrs):
        if self.opset < 13:
            self.fail(node, "Softmax before opset 13 flattens its input, which Kiln's softmax does not")
        x, axis = self.shape(node.input[0]), attrs.get("axis", -1)
        if x is not None and not -len(x) <= axis < len(x):
            self.fail(node, f"axis {axis} is out of range for {x}")
        self.define(node, "softmax" if node.op_type == "Softmax" else "log_softmax", [node.input[0]], [f"axis={axis}"])

    def pad(self, node, attrs):
        mode = attrs.get("mode", b"constant").decode()
        if mode != "constant":
            self.fail(node, f"Pad in {mode} mode; Kiln pads with a constant")
        pads = list(attrs.get("pads", [])) if self.opset < 11 else self.integers(node, 1, "pads", required=True)
        value = attrs.get("value", 0.0) if self.opset < 11 else self.constant(node, 2, "value")
        rank = len(pads) // 2
        if rank < 2 or len(pads) % 2 or any(pads[:rank - 2]) or any(pads[rank:2 * rank - 2]) or min(pads) < 0 or \
                max(pads) > 1 << 24:
            self.fail(node, f"pads={pads}: Kiln pads the last two dimensions by 0 to 2^24")
        parts = [f"padding=({pads[rank - 2]}, {pads[rank - 1]}, {pads[2 * rank - 2]}, {pads[2 * rank - 1]})"]
        if value is not None:
            parts.append(f"value={float(value)!r}")
        self.define(node, "pad", [node.input[0]], parts)


WINDOWED = ("Conv", "MaxPool", "AveragePool", "LpPool", "ConvTranspose", "QLinearConv")


def attributes(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


class GraphIndex:
    """Who produces and who reads each tensor of a graph, and which tensors are constants."""

    def __init__(self, graph):
        self.nodes = graph.node
        self.producer, self.readers = {}, {}
        for index, node in enumerate(graph.node):
            for o in node.output:
                self.producer[o] = index
            for i in node.input:
                self.readers.setdefault(i, []).append(index)
        self.outputs = {o.name for o in graph.output}
        self.static = {i.name for i in graph.initializer}
        for node in graph.node:
            if node.op_type == "Constant" or (node.op_type in ("Identity", "DequantizeLinear") and node.input[:1] and
                                               node.input[0] in self.static):
                self.static.update(node.output)

    def reader(self, tensor, op_type):
        """The index of the one node reading `tensor`, if it is of op_type and the tensor is no graph output."""
        readers = self.readers.get(tensor, [])
        if len(readers) == 1 and tensor not in self.outputs and self.nodes[readers[0]].op_type == op_type:
            return readers[0]
        return None

    def source(self, tensor, op_types):
        """The index of the node producing `tensor`, if of one of op_types and `tensor` is read only once."""
        index = self.producer.get(tensor)
        if index is not None and self.nodes[index].op_type in op_types and \
                len(self.readers.get(tensor, [])) == 1 and tensor not in self.outputs:
            return index
        return None

    def other(self, index, tensor):
        """The other operand of a binary node reading `tensor`."""
        inputs = list(self.nodes[index].input)
        return inputs[1] if len(inputs) == 2 and inputs[0] == tensor else inputs[0] if len(inputs) == 2 else None


# Patterns: each takes (importer, graph index, node index, node) and returns
# (inner node indices, last node index, writer of the layer at the last node) or None.

def find_gate(imp, g, index, node):
    """x * sigmoid(x) -> silu(x), x * hardsigmoid(x) -> hardswish(x)."""
    if node.op_type != "Mul" or len(node.input) != 2:
        return None
    for gate, x in (node.input, reversed(node.input)):
        p = g.source(gate, ("Sigmoid", "HardSigmoid"))
        if p is None or g.nodes[p].input[0] != x:
            continue
        attrs = attributes(g.nodes[p])
        hard = abs(attrs.get("alpha", 0.2) - 1 / 6) < 1e-6 and abs(attrs.get("beta", 0.5) - 0.5) < 1e-6
        if g.nodes[p].op_type == "Sigmoid" or hard:
            op = "silu" if g.nodes[p].op_type == "Sigmoid" else "hardswish"
            return {p}, index, lambda n: imp.define(n, op, [x], layout_free=True)
    return None


def find_layer_norm(imp, g, index, node):
    """LayerNorm as PyTorch exports it before opset 17: ReduceMean, Sub, Pow 2, ReduceMean, Add eps,
    Sqrt, Div, then Mul by the scale and Add of the bias if affine."""
    if node.op_type != "ReduceMean":
        return None
    x = node.input[0]
    sub_ = g.reader(node.output[0], "Sub")
    if sub_ is None or list(g.nodes[sub_].input) != [x, node.output[0]]:
        return None
    deviation = g.nodes[sub_].output[0]
    readers = sorted(g.readers.get(deviation, []), key=lambda i: g.nodes[i].op_type)
    if len(readers) != 2 or [g.nodes[i].op_type for i in readers] != ["Div", "Pow"] or deviation in g.outputs:
        return None
    div, power = readers
    variance = g.reader(g.nodes[power].output[0], "ReduceMean")
    if variance is None:
        return None
    add = g.reader(g.nodes[variance].output[0], "Add")
    if add is None:
        return None
    sqrt = g.reader(g.nodes[add].output[0], "Sqrt")
    if sqrt is None or list(g.nodes[div].input) != [deviation, g.nodes[sqrt].output[0]] or \
            g.nodes[power].input[1] not in g.static or g.other(add, g.nodes[variance].output[0]) not in g.static:
        return None
    inner, last, scale, bias = [index, sub_, power, variance, add, sqrt], div, None, None
    mul = g.reader(g.nodes[div].output[0], "Mul")
    if mul is not None and g.other(mul, g.nodes[div].output[0]) in g.static:
        inner.append(last)
        last, scale = mul, g.other(mul, g.nodes[div].output[0])
        shift = g.reader(g.nodes[mul].output[0], "Add")
        if shift is not None and g.other(shift, g.nodes[mul].output[0]) in g.static:
            inner.append(last)
            last, bias = shift, g.other(shift, g.nodes[mul].output[0])

    def write(n):
        if imp.shape(x) is None:
            imp.fail(node, f"the shape of '{x}' is not known at import")
        for reduce in (node, g.nodes[variance]):
            attrs = attributes(reduce)
            if imp.reduce_axes(reduce, attrs) != [imp.channel_axis(x)] or not attrs.get("keepdims", 1):
                imp.fail(reduce, f"a layer norm over axes {imp.reduce_axes(reduce, attrs)} of {imp.shape(x)}; "
                         "Kiln's layer_norm normalizes the channels (axis 1 of NCHW or [N, F], the last axis of "
                         "NCHW transposed to NHWC)")
        if imp.first_value(g.nodes[power].input[1]) != 2.0:
            imp.fail(g.nodes[power], "a layer norm's Pow must square")
        eps = imp.first_value(g.other(add, g.nodes[variance].output[0]))
        imp.layer_norm(n, x, eps, *(None if c is None else np.asarray(imp.constants[c], dtype=np.float32)
                                    for c in (scale, bias)))
    return set(inner), last, write


def find_gelu(imp, g, index, node):
    """GELU as PyTorch exports it: x * (erf(x / sqrt(2)) + 1) * 0.5."""
    if node.op_type != "Erf":
        return None
    scaled = g.source(node.input[0], ("Div", "Mul"))
    add = g.reader(node.output[0], "Add")
    if scaled is None or add is None:
        return None
    x = g.nodes[scaled].input[0]
    mul = g.reader(g.nodes[add].output[0], "Mul")
    if mul is None or g.other(mul, g.nodes[add].output[0]) != x:
        return None
    half = g.reader(g.nodes[mul].output[0], "Mul")
    if half is None:
        return None
    constants = [g.nodes[scaled].input[1], g.other(add, node.output[0]), g.other(half, g.nodes[mul].output[0])]
    if any(c not in g.static for c in constants):
        return None

    def write(n):
        values = [imp.first_value(c) for c in constants]
        divisor = values[0] if g.nodes[scaled].op_type == "Div" else 1 / values[0]
        if abs(divisor - np.sqrt(2)) > 1e-5 or values[1:] != [1.0, 0.5]:
            imp.fail(node, "Erf outside GELU's pattern (x * (erf(x / sqrt(2)) + 1) * 0.5) has no Kiln layer")
        imp.define(n, "gelu", [x], layout_free=True)
    return {scaled, index, add, mul}, half, write


def find_l2_norm(imp, g, index, node):
    """F.normalize(x, dim=1) as PyTorch exports it: x / Expand(Clip(ReduceL2(x), eps))."""
    if node.op_type != "Div" or len(node.input) != 2:
        return None
    x, divisor = node.input
    expand = g.source(divisor, ("Expand",))
    clip = g.source(g.nodes[expand].input[0] if expand is not None else divisor, ("Clip",))
    if clip is None:
        return None
    norm = g.source(g.nodes[clip].input[0], ("ReduceL2",))
    if norm is None or g.nodes[norm].input[0] != x:
        return None

    def write(n):
        reduce, attrs = g.nodes[norm], attributes(g.nodes[norm])
        if imp.reduce_axes(reduce, attrs) != [imp.channel_axis(x)] or not attrs.get("keepdims", 1):
            imp.fail(reduce, f"ReduceL2 over axes {imp.reduce_axes(reduce, attrs)} of {imp.shape(x)}; Kiln's "
                     "l2_norm normalizes the channels")
        low, high = imp.clip_bounds(g.nodes[clip], attributes(g.nodes[clip]))
        if low is None or high is not None or not float(low) > 0:
            imp.fail(g.nodes[clip], "an L2 norm's Clip must clamp below by a positive eps (as F.normalize)")
        imp.define(n, "l2_norm", [x], [f"eps={float(low)!r}"], layout_free=True)
    return {norm, clip} | ({expand} if expand is not None else set()), index, write


def find_linear(imp, g, index, node):
    """MatMul by a constant, then Add of a constant bias: one dense (or 1x1 conv2d) with its bias."""
    if node.op_type != "MatMul" or len(node.input) != 2 or node.input[1] not in g.static:
        return None
    add = g.reader(node.output[0], "Add")
    if add is None or g.other(add, node.output[0]) not in g.static:
        return None
    return {index}, add, lambda n: imp.dense(node, attributes(node), bias_node=n)


def check_window_attributes(node):
    """Strides, dilations, kernel and pads of a window, checked before ONNX's
    shape inference, which divides by the strides."""
    for attr in node.attribute:
        least = {"kernel_shape": 1, "strides": 1, "dilations": 1, "pads": 0}.get(attr.name)
        if least is None:
            continue
        values = list(attr.ints)
        count = 4 if attr.name == "pads" else 2
        if attr.type != onnx.AttributeProto.INTS or len(values) != count or min(values) < least or \
                max(values) > 1 << 24:
            raise ImportFailure(f"{label(node)}: {attr.name}={values}: expected {count} values of at least {least} "
                                "and at most 2^24 (Kiln's windows are 2-D)")


def describe_dim(d):
    if d.HasField("dim_param") and d.dim_param:
        return f"'{d.dim_param}'"
    return str(d.dim_value) if d.HasField("dim_value") and d.dim_value > 0 else "'?'"


# --- quantization constants --------------------------------------------------------
def quantization(imp, node, scale_at, zero_at, what):
    """A QuantizeLinear's, DequantizeLinear's or QLinear op's scale and zero point constants: positive finite
    scales, a scalar or one per channel, and integer zero points of the same shape (uint8 zeros if none)."""
    scale = imp.constant(node, scale_at, f"{what} scale", required=True)
    zero = imp.constant(node, zero_at, f"{what} zero point")
    if scale.dtype.kind != "f" or scale.ndim > 1 or scale.size == 0:
        imp.fail(node, f"its {what} scale is a {scale.dtype} of shape {list(scale.shape)}; ONNX wants floats, a "
                 "scalar or one per channel")
    if not np.all(np.isfinite(scale)) or not np.all(scale > 0):
        imp.fail(node, f"its {what} scale holds {scale.reshape(-1)[~(np.isfinite(scale) & (scale > 0)).reshape(-1)][0]}"
                 "; scales are finite and above 0")
    if zero is None:
        zero = np.zeros(scale.shape, np.uint8)
    if zero.dtype.kind not in "iu" or zero.shape != scale.shape:
        imp.fail(node, f"its {what} zero point is a {zero.dtype} of shape {list(zero.shape)}, its scale of "
                 f"{list(scale.shape)}; ONNX wants integers of the scale's shape")
    return scale.astype(np.float32), zero


def along(values, axis, rank, what, imp, node, extent):
    """A scalar, or a vector of `extent` values broadcast along `axis` of a rank-`rank` array."""
    if values.size == 1:
        return values.reshape(())
    if values.size != extent:
        imp.fail(node, f"its {what} has {values.size} values along axis {axis}, of {extent}")
    shape = [1] * rank
    shape[axis % rank] = values.size
    return values.reshape(shape)


def dequantized(imp, node, value_at, scale_at, zero_at, what, axis=1):
    """(q - zero point) * scale of a constant, in f32, as ONNX's DequantizeLinear (per `axis`)."""
    q = imp.constant(node, value_at, what, required=True)
    scale, zero = quantization(imp, node, scale_at, zero_at, what)
    if q.dtype.kind not in "iu":
        imp.fail(node, f"its {what} is {q.dtype}, not integers to dequantize")
    if q.ndim == 0 and scale.size != 1:
        imp.fail(node, f"its {what} is a scalar with {scale.size} scales")
    extent = q.shape[axis % q.ndim] if q.ndim else 1
    scale, zero = (along(v, axis, q.ndim, what, imp, node, extent) for v in (scale, zero))
    return (q.astype(np.int64) - zero).astype(np.float32) * scale


def fold_quantize(imp, node, attrs):
    x = imp.constants[node.input[0]]
    scale, zero = quantization(imp, node, 1, 2, "output")
    if x.dtype.kind != "f" or zero.dtype not in (np.uint8, np.int8):
        imp.fail(node, f"quantizes {x.dtype} to {zero.dtype}; Kiln folds f32 to uint8 or int8")
    axis, extent = attrs.get("axis", 1), x.shape[attrs.get("axis", 1) % x.ndim] if x.ndim else 1
    scale, zero = (along(v, axis, x.ndim, "output", imp, node, extent) for v in (scale, zero))
    info = np.iinfo(zero.dtype)
    return np.clip(np.rint(x.astype(np.float32) / scale) + zero, info.min, info.max).astype(zero.dtype)


# --- shape arithmetic folded at import ------------------------------------------
def axes_of(imp, node, attrs, index):
    if "axes" in attrs:
        return [int(a) for a in attrs["axes"]]
    value = imp.constant(node, index, "axes")
    return None if value is None else [int(a) for a in value]


def fold_unsqueeze(imp, node, attrs):
    x = imp.constants[node.input[0]]
    axes = axes_of(imp, node, attrs, 1)
    rank = x.ndim + len(axes)
    for a in sorted(a % rank for a in axes):
        x = np.expand_dims(x, a)
    return x


def fold_squeeze(imp, node, attrs):
    x = imp.constants[node.input[0]]
    axes = axes_of(imp, node, attrs, 1)
    return np.squeeze(x, axis=None if axes is None else tuple(a % x.ndim for a in axes))


def fold_slice(imp, node, attrs):
    x = imp.constants[node.input[0]]
    if imp.opset < 10:
        starts, ends, axes, steps = attrs["starts"], attrs["ends"], attrs.get("axes"), None
    else:
        starts, ends = imp.constant(node, 1, "starts"), imp.constant(node, 2, "ends")
        axes, steps = imp.constant(node, 3, "axes"), imp.constant(node, 4, "steps")
    axes = range(len(starts)) if axes is None else axes
    steps = [1] * len(starts) if steps is None else steps
    index = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        index[int(a) % x.ndim] = slice(int(s), int(e), int(st))
    return x[tuple(index)]


def fold_cast(imp, node, attrs):
    return imp.constants[node.input[0]].astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[attrs["to"]])


def fold_constant_of_shape(imp, node, attrs):
    value = tensor_array(attrs["value"]).reshape(-1)[0] if "value" in attrs else np.float32(0)
    return np.full([int(d) for d in imp.constants[node.input[0]]], value, dtype=np.asarray(value).dtype)


def fold_reshape(imp, node, attrs):
    x, shape = imp.constants[node.input[0]], [int(v) for v in imp.constants[node.input[1]]]
    return x.reshape([x.shape[i] if v == 0 and not attrs.get("allowzero", 0) else v for i, v in enumerate(shape)])


def fold_div(imp, node, attrs):
    a, b = imp.constants[node.input[0]], imp.constants[node.input[1]]
    return np.trunc(a / b).astype(a.dtype) if a.dtype.kind in "iu" else a / b


def fold_binary(function):
    return lambda imp, node, attrs: function(imp.constants[node.input[0]], imp.constants[node.input[1]])


def fold_unary(function):
    return lambda imp, node, attrs: function(imp.constants[node.input[0]])


FOLDS = {
    "Identity": fold_unary(lambda x: x),
    "QuantizeLinear": fold_quantize,
    "DequantizeLinear": lambda imp, node, attrs: dequantized(imp, node, 0, 1, 2, "input", attrs.get("axis", 1)),
    "Gather": lambda imp, node, attrs: np.take(imp.constants[node.input[0]], imp.constants[node.input[1]],
                                               axis=attrs.get("axis", 0)),
    "Unsqueeze": fold_unsqueeze,
    "Squeeze": fold_squeeze,
    "Concat": lambda imp, node, attrs: np.concatenate([imp.constants[i] for i in node.input if i],
                                                      axis=attrs.get("axis", 0)),
    "Slice": fold_slice,
    "Cast": fold_cast,
    "ConstantOfShape": fold_constant_of_shape,
    "Reshape": fold_reshape,
    "Flatten": lambda imp, node, attrs: (lambda x, a: x.reshape(int(np.prod(x.shape[:a])), -1))(
        imp.constants[node.input[0]], attrs.get("axis", 1)),
    "Add": fold_binary(np.add),
    "Sub": fold_binary(np.subtract),
    "Mul": fold_binary(np.multiply),
    "Div": fold_div,
    "Equal": fold_binary(np.equal),
    "Where": lambda imp, node, attrs: np.where(*(imp.constants[i] for i in node.input)),
    "Neg": fold_unary(np.negative),
    "Sqrt": fold_unary(np.sqrt),
    "Floor": fold_unary(np.floor),
    "Ceil": fold_unary(np.ceil),
    "Range": lambda imp, node, attrs: np.arange(*(imp.constants[i].item() for i in node.input)),
}

UNARY = {"Relu": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "HardSwish": "hardswish", "Gelu": "gelu",
         "Exp": "exp", "Sqrt": "sqrt", "Erf": "erf"}
REDUCE = {"ReduceMean": "reduce_mean", "ReduceSum": "reduce_sum", "ReduceMax": "reduce_max", "ReduceL2": "reduce_l2"}
# Ops that read 8-bit tensors (as their values): the quantized ops, and those
# whose outputs stay on their input's grid (KEEPS_GRID).
KEEPS_GRID = ("MaxPool", "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Identity", "Dropout")
READS_8BIT = ("DequantizeLinear", "QLinearConv", "QLinearMatMul", "Shape") + KEEPS_GRID
TENSOR_OPS = {
    "QuantizeLinear": Importer.quantize_linear,
    "DequantizeLinear": Importer.dequantize_linear,
    "QLinearConv": Importer.qlinear,
    "QLinearMatMul": Importer.qlinear,
    "Conv": Importer.conv,
    "ConvTranspose": Importer.conv_transpose,
    "MaxPool": Importer.pool,
    "AveragePool": Importer.pool,
    "GlobalAveragePool": Importer.global_pool,
    "GlobalMaxPool": Importer.global_pool,
    "Gemm": Importer.dense,
    "MatMul": Importer.matmul,
    "LayerNormalization": Importer.layer_normalization,
    "Sub": Importer.binary,
    "Div": Importer.binary,
    "Pow": Importer.binary,
    "Max": Importer.binary,
    "Min": Importer.binary,
    "LeakyRelu": Importer.unary,
    "HardSigmoid": Importer.unary,
    **{op: Importer.unary for op in UNARY},
    "Clip": Importer.clip,
    "Add": Importer.binary,
    "Mul": Importer.binary,
    "Concat": Importer.concat,
    "Flatten": Importer.flatten,
    "Reshape": Importer.reshape,
    "Squeeze": Importer.squeeze,
    **{op: Importer.reduce for op in REDUCE},
    "Unsqueeze": Importer.squeeze,
    "BatchNormalization": Importer.batchnorm,
    "Softmax": Importer.softmax,
    "LogSoftmax": Importer.softmax,
    "Pad": Importer.pad,
    "Transpose": Importer.transpose,
    "Split": Importer.split,
    "Slice": Importer.slice,
    "Resize": Importer.resize,
}


def load_external_data(model, folder):
    """Initializers stored beside the model, read only from its folder and below."""
    root = os.path.realpath(folder)
    tensors = list(model.graph.initializer) + [a.t for n in model.graph.node for a in n.attribute
                                               if a.type == onnx.AttributeProto.TENSOR]
    for tensor in tensors:
        if tensor.data_location != TensorProto.EXTERNAL:
            continue
        info = {e.key: e.value for e in tensor.external_data}
        location = info.get("location", "")
        if not isinstance(location, str):  # protobuf hands invalid UTF-8 back as bytes
            raise ImportFailure(f"tensor '{tensor.name}' has an external data location that is not text")
        path = os.path.realpath(os.path.join(root, location))
        if not location or os.path.isabs(location) or os.path.commonpath([root, path]) != root:
            raise ImportFailure(f"tensor '{tensor.name}' reads external data from '{location}', outside the "
                                "model's folder")
        try:
            with open(path, "rb") as f:
                f.seek(int(info.get("offset", 0)))
                length = int(info["length"]) if "length" in info else -1
                tensor.raw_data = f.read(length)
        except (OSError, ValueError) as e:
            raise ImportFailure(f"tensor '{tensor.name}': its external data '{location}' cannot be read "
                                f"({e.strerror if isinstance(e, OSError) else e})") from None
        if length >= 0 and len(tensor.raw_data) != length:
            raise ImportFailure(f"tensor '{tensor.name}': its external data '{location}' holds "
                                f"{len(tensor.raw_data)} of {length} bytes")
        del tensor.external_data[:]
        tensor.data_location = TensorProto.DEFAULT


def check_names_are_text(graph):
    """protobuf hands a name that is not UTF-8 over as bytes: refuse it before anything reads it."""
    values = list(graph.input) + list(graph.output) + list(graph.value_info) + list(graph.initializer)
    names = [v.name for v in values] + [text for n in graph.node for text in
                                        [n.name, n.op_type, n.domain, *n.input, *n.output, *(a.name for a in n.attribute)]]
    for name in names:
        if isinstance(name, bytes):
            raise ImportFailure(f"the name {name!r} in the graph is not UTF-8 text")


def import_model(path, network, batch=1, input_shapes=()):
    """(spec text, {weight name: f32 array}, notes) for the ONNX file at `path`; ImportFailure says why not."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", network):
        raise ImportFailure(f"--name {network}: a network name is a C identifier (letters, digits and _)")
    try:
        model = onnx.load(path, load_external_data=False)
    except Exception as e:  # noqa: BLE001 - onnx raises many kinds for a bad file
        detail = str(e).strip().splitlines()[-1] if str(e).strip() else "no detail"
        raise ImportFailure(f"not a readable ONNX model ({type(e).__name__}: {detail})") from None
    load_external_data(model, os.path.dirname(os.path.abspath(path)))
    check_names_are_text(model.graph)
    try:
        importer = Importer(model, batch, parse_input_shapes(input_shapes))
        spec, weights = importer.run(network)
    except RecursionError:
        raise ImportFailure("the model is nested too deeply to read") from None
    notes = [f"{count} {kind} tensor{'s' if count > 1 else ''} converted to f32"
             for kind, count in sorted(importer.converted.items())]
    grids = sum(" = fake_quantize(" in line for line in importer.lines)
    if grids:
        notes.append(f"a quantized model: {grids} fake_quantize layer{'s' if grids > 1 else ''} keep its 8-bit grids; "
                     "--precision int8 computes the conv2d and dense layers they feed in int8")
    return spec, {k: np.asarray(v, dtype=np.float32) for k, v in weights.items()}, notes


def main():
    parser = argparse.ArgumentParser(prog="kiln import", description=__doc__.split("\n")[0])
    parser.add_argument("model", help="MODEL.onnx")
    parser.add_argument("-o", "--output", required=True, help="directory for NAME.kiln and NAME.safetensors")
    parser.add_argument("--name", help="network name (default: the file's)")
    parser.add_argument("--batch", type=int, default=1, help="a symbolic first dimension (default 1)")
    parser.add_argument("--input-shape", action="append", default=[], metavar="NAME=D0,D1,...",
                        help="an input's shape, fixing its symbolic dimensions (repeatable)")
    args = parser.parse_args()
    warnings.simplefilter("ignore")  # protobuf's and numpy's warnings about a bad file: its error says it
    stem = os.path.splitext(os.path.basename(args.model))[0]
    network = args.name or re.sub(r"^(?=[^A-Za-z_]|$)", "t_", re.sub(r"[^A-Za-z0-9_]", "_", stem))
    try:
        spec, weights, notes = import_model(args.model, network, args.batch, args.input_shape)
    except ImportFailure as e:
        print(f"{args.model}: error: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # noqa: BLE001 - whatever else a hostile file provokes is still one line
        print(f"{args.model}: error: the importer cannot read this model ({type(e).__name__}: {e})", file=sys.stderr)
        return 1
    for note in notes:
        print(f"{args.model}: note: {note}", file=sys.stderr)
    save_network(args.output, network, spec, weights)
    print(f"wrote {os.path.join(args.output, network)}.kiln and .safetensors ({len(weights)} tensors)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

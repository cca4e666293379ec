#!/usr/bin/python3
"""Hostile ONNX files for `kiln import`, kept as regression inputs.

    /usr/bin/python3 tests/import/hostile/make_hostile.py   (rewrites models/)

Each case is small and hand-made: a broken graph, a bad attribute, a weight
that disagrees with its input, a type Kiln lacks. models/NAME.onnx is the
file, models/NAME.expect what `kiln import` must print: a phrase of its one
error line, or `imports` where the import must succeed (and so check).
check_imports.py replays them.
"""
import os
import random
import shutil

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "models")
CASES = {}


def case(name, expect):
    def register(make):
        CASES[name] = (make, expect)
        return make
    return register


def tensor(name, shape, elem=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, elem, shape)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def model(nodes, inputs, outputs, inits=(), opset=13):
    graph = helper.make_graph(nodes, "hostile", inputs, outputs, list(inits))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def weight(*shape):
    return np.random.RandomState(0).randn(*shape).astype(np.float32)


def conv_model(x_shape=(1, 3, 8, 8), w_shape=(4, 3, 3, 3), bias=None, **attrs):
    """x -> Conv -> y, the attributes as given."""
    inits = [const("w", weight(*w_shape))] + ([const("b", bias)] if bias is not None else [])
    node = helper.make_node("Conv", ["x", "w"] + (["b"] if bias is not None else []), ["y"], name="conv", **attrs)
    return model([node], [tensor("x", list(x_shape))], [tensor("y", None)], inits)


def one_node(op, inputs, inits=(), x_shape=(1, 3, 8, 8), opset=13, **attrs):
    node = helper.make_node(op, inputs, ["y"], name=op.lower(), **attrs)
    return model([node], [tensor("x", list(x_shape))], [tensor("y", None)], inits, opset)


# --- the six of the issue --------------------------------------------------
@case("cycle", "graph has a cycle")
def _():
    nodes = [helper.make_node("Add", ["x", "z"], ["a"], name="add"), helper.make_node("Relu", ["a"], ["z"], name="relu")]
    return model(nodes, [tensor("x", [1, 3, 4, 4])], [tensor("z", [1, 3, 4, 4])])


@case("int64_input", "input 'x' is INT64")
def _():
    return model([helper.make_node("Relu", ["x"], ["y"])], [tensor("x", [1, 3], TensorProto.INT64)], [tensor("y", None)])


@case("conv_zero_strides", "pads=[-1, -1, -1, -1]: expected 4 values of at least 0")
def _():
    return conv_model(strides=[0, 0], pads=[-1, -1, -1, -1])


@case("symbolic_dims", "symbolic dimensions 'H', 'W'")
def _():
    return conv_model(x_shape=("N", 3, "H", "W"))


@case("empty_file", "no nodes")
def _():
    return b""


@case("conv_channels_mismatch", "reads 5 channels, the input 'x' is [1, 3, 8, 8]")
def _():
    return conv_model(w_shape=(4, 5, 3, 3))


# --- broken files and graphs ---------------------------------------------------
@case("truncated", "not a readable ONNX model")
def _():
    return conv_model().SerializeToString()[:40]


@case("random_bytes", "not a readable ONNX model")
def _():
    return bytes(random.Random(1).randrange(256) for _ in range(300))


@case("undefined_tensor", "reads 'ghost'")
def _():
    return model([helper.make_node("Add", ["x", "ghost"], ["y"], name="add")], [tensor("x", [1, 3])], [tensor("y", None)])


@case("output_not_computed", "output 'nowhere' is not computed")
def _():
    return model([helper.make_node("Relu", ["x"], ["y"])], [tensor("x", [1, 3])], [tensor("nowhere", None)])


@case("no_outputs", "no outputs")
def _():
    return model([helper.make_node("Relu", ["x"], ["y"])], [tensor("x", [1, 3])], [])


@case("no_inputs", "no inputs")
def _():
    return model([helper.make_node("Relu", ["c"], ["y"])], [], [tensor("y", None)], [const("c", weight(1, 3))])


@case("input_without_shape", "input 'x' has no shape")
def _():
    return model([helper.make_node("Relu", ["x"], ["y"])], [tensor("x", None)], [tensor("y", None)])


@case("input_double", "input 'x' is DOUBLE")
def _():
    return model([helper.make_node("Relu", ["x"], ["y"])], [tensor("x", [1, 3], TensorProto.DOUBLE)],
                 [tensor("y", None)])


@case("input_float16", "input 'x' is FLOAT16")
def _():
    return model([helper.make_node("Relu", ["x"], ["y"])], [tensor("x", [1, 3], TensorProto.FLOAT16)],
                 [tensor("y", None)])


@case("input_bool", "input 'x' is BOOL")
def _():
    return model([helper.make_node("Not", ["x"], ["y"])], [tensor("x", [1, 3], TensorProto.BOOL)], [tensor("y", None)])


@case("input_string", "input 'x' is STRING")
def _():
    return model([helper.make_node("Identity", ["x"], ["y"])], [tensor("x", [1], TensorProto.STRING)],
                 [tensor("y", None)])


@case("input_zero_dim", "symbolic dimensions '?'")
def _():
    return conv_model(x_shape=(1, 3, 0, 8))


@case("input_scalar", "Kiln's tensors have 1 to 6 dimensions")
def _():
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [tensor("x", [])], [tensor("y", None)])


@case("input_huge", "at most 2^31-1 elements")
def _():
    return model([helper.make_node("Relu", ["x"], ["y"], name="relu")], [tensor("x", [1000000, 1000000])],
                 [tensor("y", None)])


@case("twice_defined", "node 'b' (Sigmoid) defines 'y', which an input, initializer or earlier node defines")
def _():
    nodes = [helper.make_node("Relu", ["x"], ["y"], name="a"), helper.make_node("Sigmoid", ["x"], ["y"], name="b")]
    return model(nodes, [tensor("x", [1, 3])], [tensor("y", None)])


@case("custom_domain", "operator set 'com.example'")
def _():
    node = helper.make_node("Magic", ["x"], ["y"], name="magic", domain="com.example")
    m = model([node], [tensor("x", [1, 3])], [tensor("y", None)])
    m.opset_import.append(helper.make_opsetid("com.example", 1))
    return m


@case("unknown_op", "node 'lrn' (LRN) has no Kiln layer")
def _():
    return one_node("LRN", ["x"], size=3)


@case("resize_half_pixel_nearest", "mode=nearest with coordinate_transformation_mode=half_pixel")
def _():
    return one_node("Resize", ["x", "", "s"], [const("s", np.array([1, 1, 2, 2], np.float32))])


@case("resize_fractional_scales", "give fractional sizes")
def _():
    return one_node("Resize", ["x", "", "s"], [const("s", np.array([1, 1, 1.3, 1.3], np.float32))], mode="linear")


@case("resize_channels", "Kiln resizes H and W")
def _():
    return one_node("Resize", ["x", "", "", "s"], [const("s", np.array([1, 6, 16, 16], np.int64))], mode="linear")


@case("transpose_alone", "imports")
def _():
    return one_node("Transpose", ["x"], perm=[0, 2, 3, 1])


@case("reshape_5d_used_alone", "imports")
def _():
    nodes = [helper.make_node("Reshape", ["x", "s"], ["v"], name="view"), helper.make_node("Relu", ["v"], ["y"], name="relu")]
    return model(nodes, [tensor("x", [1, 4, 8, 8])], [tensor("y", None)], [const("s", np.array([1, 2, 2, 8, 8], np.int64))])


@case("channel_shuffle_pattern", "imports")
def _():
    nodes = [helper.make_node("Reshape", ["x", "s5"], ["v"], name="view"),
             helper.make_node("Transpose", ["v"], ["t"], name="swap", perm=[0, 2, 1, 3, 4]),
             helper.make_node("Reshape", ["t", "s4"], ["y"], name="shuffle")]
    inits = [const("s5", np.array([1, 2, 2, 8, 8], np.int64)), const("s4", np.array([1, -1, 8, 8], np.int64))]
    return model(nodes, [tensor("x", [1, 4, 8, 8])], [tensor("y", None)], inits)


@case("slice_negative_step", "step -1; Kiln slices forwards")
def _():
    inits = [const(n, np.array([v], np.int64)) for n, v in (("b", -1), ("e", -100), ("a", 3), ("st", -1))]
    return one_node("Slice", ["x", "b", "e", "a", "st"], inits)


@case("empty_op_type", "node 'nameless' () has no Kiln layer")
def _():
    return model([helper.make_node("", ["x"], ["y"], name="nameless")], [tensor("x", [1, 3])], [tensor("y", None)])


@case("output_is_input", "output 'y' is a network input")
def _():
    return model([helper.make_node("Identity", ["x"], ["y"])], [tensor("x", [1, 3])], [tensor("y", None)])


@case("output_twice", "same tensor as another output")
def _():
    return model([helper.make_node("Relu", ["x"], ["y"])], [tensor("x", [1, 3])], [tensor("y", None), tensor("y", None)])


@case("output_constant", "output 'y' is a constant")
def _():
    node = helper.make_node("Constant", [], ["y"], value=const("v", weight(2)))
    return model([node, helper.make_node("Relu", ["x"], ["z"])], [tensor("x", [1, 3])], [tensor("y", None)])


@case("constant_sparse", "only a Constant with a 'value' tensor")
def _():
    node = helper.make_node("Constant", [], ["c"], name="sparse", value_float=1.0)
    return model([node, helper.make_node("Add", ["x", "c"], ["y"])], [tensor("x", [1, 3])], [tensor("y", None)])


@case("split_two_outputs", "imports")
def _():
    node = helper.make_node("Split", ["x"], ["a", "b"], name="split", axis=1)
    return model([node], [tensor("x", [1, 4])], [tensor("a", None), tensor("b", None)])


@case("two_outputs", "2 outputs; Kiln's layers have one")
def _():
    node = helper.make_node("TopK", ["x", "k"], ["a", "b"], name="topk", axis=1)
    return model([node], [tensor("x", [1, 4])], [tensor("a", None), tensor("b", None, TensorProto.INT64)],
                 [const("k", np.array([2], np.int64))])


@case("initializer_bad_size", "cannot be read")
def _():
    w = const("w", np.zeros(5, np.float32))
    w.dims[:] = [4, 3, 3, 3]
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    return model([node], [tensor("x", [1, 3, 8, 8])], [tensor("y", None)], [w])


# --- Conv ------------------------------------------------------------------
@case("conv_1d", "1-D convolution")
def _():
    return conv_model(x_shape=(1, 3, 8), w_shape=(4, 3, 3))


@case("conv_3d", "3-D convolution")
def _():
    return conv_model(x_shape=(1, 3, 8, 8, 8), w_shape=(4, 3, 3, 3, 3))


@case("conv_weight_not_constant", "weight 'w' must be a constant")
def _():
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    return model([node], [tensor("x", [1, 3, 8, 8]), tensor("w", [4, 3, 3, 3])], [tensor("y", None)])


@case("conv_no_weight", "has no weight")
def _():
    return one_node("Conv", ["x"])


@case("conv_kernel_shape_mismatch", "kernel_shape [5, 5] disagrees")
def _():
    return conv_model(kernel_shape=[5, 5])


@case("conv_group_zero", "group=0")
def _():
    return conv_model(group=0)


@case("conv_group_not_dividing", "group=3 does not divide")
def _():
    return conv_model(w_shape=(4, 1, 3, 3), group=3)


@case("conv_dilations_zero", "dilations=[0, 0]")
def _():
    return conv_model(dilations=[0, 0])


@case("conv_pads_three", "pads=[1, 1, 1]")
def _():
    return conv_model(pads=[1, 1, 1])


@case("conv_negative_pads", "pads=[-1, 0, 0, 0]")
def _():
    return conv_model(pads=[-1, 0, 0, 0])


@case("conv_bias_size", "a bias of shape [3] for 4 output channels")
def _():
    return conv_model(bias=np.zeros(3, np.float32))


@case("conv_int8_weight", "its weight is int8")
def _():
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    return model([node], [tensor("x", [1, 3, 8, 8])], [tensor("y", None)],
                 [const("w", np.ones((4, 3, 3, 3), np.int8))])


@case("conv_same_lower", "auto_pad=SAME_LOWER")
def _():
    return conv_model(auto_pad="SAME_LOWER")


@case("conv_kernel_too_large", "window (9 wide) is larger than the padded input height 8")
def _():
    return conv_model(w_shape=(4, 3, 9, 9))


@case("conv_window_outside_padding", "window (5 wide) is larger than the padded input height 4")
def _():
    return conv_model(x_shape=(1, 3, 4, 4), w_shape=(4, 3, 5, 5), auto_pad="VALID")


@case("conv_zero_stride_only", "strides=[0, 1]: expected 2 values of at least 1")
def _():
    return conv_model(strides=[0, 1])


@case("conv_huge_stride", "imports")
def _():
    return conv_model(strides=[100, 100])


@case("conv_float16_weight", "imports")
def _():
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    return model([node], [tensor("x", [1, 3, 8, 8])], [tensor("y", None)],
                 [const("w", weight(4, 3, 3, 3).astype(np.float16))])


@case("conv_double_weight", "imports")
def _():
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    return model([node], [tensor("x", [1, 3, 8, 8])], [tensor("y", None)],
                 [const("w", weight(4, 3, 3, 3).astype(np.float64))])


@case("conv_bfloat16_weight", "imports")
def _():
    bits = (weight(4, 3, 3, 3).view(np.uint32) >> 16).astype(np.uint16)
    w = helper.make_tensor("w", TensorProto.BFLOAT16, [4, 3, 3, 3], vals=bits.tobytes(), raw=True)
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    return model([node], [tensor("x", [1, 3, 8, 8])], [tensor("y", None)], [w])


# --- pools, dense, normalization ------------------------------------------------------
@case("maxpool_no_kernel", "0-D pooling")
def _():
    return one_node("MaxPool", ["x"])


@case("maxpool_indices", "ONNX shape inference rejects the model")
def _():
    node = helper.make_node("MaxPool", ["x"], ["y", "i"], name="pool", kernel_shape=[2, 2])
    return model([node], [tensor("x", [1, 3, 8, 8])], [tensor("y", None), tensor("i", None)])


@case("maxpool_3d", "kernel_shape=[2, 2, 2]: expected 2 values")
def _():
    return one_node("MaxPool", ["x"], x_shape=(1, 3, 4, 4, 4), kernel_shape=[2, 2, 2])


@case("avgpool_zero_stride", "strides=[0, 1]")
def _():
    return one_node("AveragePool", ["x"], kernel_shape=[2, 2], strides=[0, 1])


@case("maxpool_negative_kernel", "kernel_shape=[-2, 2]")
def _():
    return one_node("MaxPool", ["x"], kernel_shape=[-2, 2])


@case("gemm_trans_a", "only x W^T + b")
def _():
    return one_node("Gemm", ["x", "w"], [const("w", weight(4, 3))], x_shape=(3, 2), transA=1)


@case("gemm_weight_not_constant", "weight 'w' must be a constant")
def _():
    node = helper.make_node("Gemm", ["x", "w"], ["y"], name="gemm")
    return model([node], [tensor("x", [1, 3]), tensor("w", [3, 4])], [tensor("y", None)])


@case("gemm_features_mismatch", "reads 7 features")
def _():
    return one_node("Gemm", ["x", "w"], [const("w", weight(5, 7))], x_shape=(1, 3), transB=1)


@case("matmul_3d_weight", "only x W^T + b")
def _():
    return one_node("MatMul", ["x", "w"], [const("w", weight(2, 3, 4))], x_shape=(1, 3))


@case("batchnorm_param_size", "its weight has shape [2]")
def _():
    inits = [const("s", weight(2)), const("b", weight(3)), const("m", weight(3)), const("v", np.ones(3, np.float32))]
    return one_node("BatchNormalization", ["x", "s", "b", "m", "v"], inits)


@case("batchnorm_negative_eps", "epsilon=-1.0 must be positive")
def _():
    inits = [const("s", weight(3)), const("b", weight(3)), const("m", weight(3)), const("v", np.ones(3, np.float32))]
    return one_node("BatchNormalization", ["x", "s", "b", "m", "v"], inits, epsilon=-1.0)


@case("batchnorm_training", "training mode")
def _():
    inits = [const("s", weight(3)), const("b", weight(3)), const("m", weight(3)), const("v", np.ones(3, np.float32))]
    return one_node("BatchNormalization", ["x", "s", "b", "m", "v"], inits, opset=14, training_mode=1)


# --- shapes ----------------------------------------------------------------------
@case("reshape_5d", "imports")
def _():
    return one_node("Reshape", ["x", "s"], [const("s", np.array([1, 3, 2, 4, 8], np.int64))])


@case("reshape_int64_shape_input", "input 's' is INT64")
def _():
    node = helper.make_node("Reshape", ["x", "s"], ["y"], name="reshape")
    return model([node], [tensor("x", [1, 3, 8, 8]), tensor("s", [2], TensorProto.INT64)], [tensor("y", None)])


@case("reshape_count_mismatch", "cannot reshape [1, 3, 8, 8] to [1, 100]")
def _():
    return one_node("Reshape", ["x", "s"], [const("s", np.array([1, 100], np.int64))])


@case("reshape_flatten_folded", "imports")
def _():
    """x.view(x.size(0), -1) as torch exports it: Shape, Gather, Unsqueeze, Concat, Reshape."""
    nodes = [helper.make_node("Shape", ["x"], ["shape"]),
             helper.make_node("Gather", ["shape", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus_one"], ["target"], axis=0),
             helper.make_node("Reshape", ["x", "target"], ["y"], name="view")]
    inits = [const("zero", np.array(0, np.int64)), const("axes", np.array([0], np.int64)),
             const("minus_one", np.array([-1], np.int64))]
    return model(nodes, [tensor("x", [1, 3, 8, 8])], [tensor("y", None)], inits)


@case("concat_mismatch", "differ in more than axis 1")
def _():
    node = helper.make_node("Concat", ["x", "z"], ["y"], name="cat", axis=1)
    return model([node], [tensor("x", [1, 3, 8, 8]), tensor("z", [1, 3, 4, 4])], [tensor("y", None)])


@case("add_not_broadcasting", "do not broadcast")
def _():
    node = helper.make_node("Add", ["x", "z"], ["y"], name="add")
    return model([node], [tensor("x", [1, 3, 8, 8]), tensor("z", [1, 3, 5, 5])], [tensor("y", None)])


@case("add_constant_operand", "imports")
def _():
    return one_node("Add", ["x", "c"], [const("c", weight(1, 3, 8, 1))])


@case("softmax_opset11", "before opset 13")
def _():
    return one_node("Softmax", ["x"], x_shape=(1, 10), opset=11)


@case("pad_reflect", "Pad in reflect mode")
def _():
    return one_node("Pad", ["x", "p"], [const("p", np.array([0, 0, 1, 1, 0, 0, 1, 1], np.int64))], mode="reflect")


@case("pad_negative", "pads=[0, 0, -1, 0, 0, 0, 0, 0]")
def _():
    return one_node("Pad", ["x", "p"], [const("p", np.array([0, 0, -1, 0, 0, 0, 0, 0], np.int64))])


@case("pad_batch", "pads=[1, 0, 0, 0, 0, 0, 0, 0]")
def _():
    return one_node("Pad", ["x", "p"], [const("p", np.array([1, 0, 0, 0, 0, 0, 0, 0], np.int64))])


@case("clip_tensor_min", "its min 'm' must be a constant")
def _():
    node = helper.make_node("Clip", ["x", "m"], ["y"], name="clip")
    return model([node], [tensor("x", [1, 3]), tensor("m", [1])], [tensor("y", None)])


@case("flatten_axis2", "flatten from axis 2")
def _():
    return one_node("Flatten", ["x"], axis=2)


@case("reduce_mean_channels", "imports")
def _():
    return one_node("ReduceMean", ["x"], axes=[1])


@case("reduce_mean_spatial", "imports")
def _():
    return one_node("ReduceMean", ["x"], axes=[-1, -2], keepdims=0)


@case("fold_division_by_zero", "imports")
def _():
    """Integer division by zero in folded shape arithmetic must not crash (numpy warns, the result is unused)."""
    nodes = [helper.make_node("Div", ["a", "b"], ["c"], name="div"), helper.make_node("Relu", ["x"], ["y"])]
    inits = [const("a", np.array([4], np.int64)), const("b", np.array([0], np.int64))]
    return model(nodes, [tensor("x", [1, 3])], [tensor("y", None)], inits)


@case("gather_out_of_range", "indices must be in [-rank, rank-1]")
def _():
    nodes = [helper.make_node("Shape", ["x"], ["s"]), helper.make_node("Gather", ["s", "i"], ["n"], name="gather"),
             helper.make_node("Relu", ["x"], ["y"])]
    return model(nodes, [tensor("x", [1, 3])], [tensor("y", None)], [const("i", np.array(7, np.int64))])


@case("attribute_wrong_kind", "cannot be read")
def _():
    node = helper.make_node("LeakyRelu", ["x"], ["y"], name="leaky", alpha="steep")
    return model([node], [tensor("x", [1, 3])], [tensor("y", None)])


@case("squeeze_excite_patterns", "imports")
def _():
    """A small CNN with the patterns the importer fuses (x * sigmoid(x), x * hardsigmoid(x), the SE gate
    first in Mul, ReduceMean over H and W, a one-operand Concat, a folded view): a good seed for the fuzzer."""
    nodes = [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
             helper.make_node("Sigmoid", ["c1"], ["s1"]), helper.make_node("Mul", ["c1", "s1"], ["a1"], name="silu"),
             helper.make_node("ReduceMean", ["a1"], ["p"], name="squeeze", axes=[2, 3], keepdims=1),
             helper.make_node("Conv", ["p", "w2"], ["c2"], name="fc"),
             helper.make_node("HardSigmoid", ["c2"], ["g"], alpha=1 / 6, beta=0.5),
             helper.make_node("Mul", ["g", "a1"], ["e"], name="excite"),
             helper.make_node("HardSigmoid", ["e"], ["h"], alpha=1 / 6, beta=0.5),
             helper.make_node("Mul", ["e", "h"], ["hs"], name="hardswish"),
             helper.make_node("Concat", ["hs"], ["cat"], name="cat", axis=1),
             helper.make_node("Shape", ["cat"], ["shape"]),
             helper.make_node("Gather", ["shape", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "axes"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus_one"], ["target"], axis=0),
             helper.make_node("Reshape", ["cat", "target"], ["flat"], name="view"),
             helper.make_node("Gemm", ["flat", "w3", "b3"], ["y"], name="fc_out", transB=1)]
    inits = [const("w1", weight(4, 3, 3, 3)), const("b1", weight(4)), const("w2", weight(4, 4, 1, 1)),
             const("zero", np.array(0, np.int64)), const("axes", np.array([0], np.int64)),
             const("minus_one", np.array([-1], np.int64)), const("w3", weight(10, 4 * 6 * 6)), const("b3", weight(10))]
    return model(nodes, [tensor("x", [1, 3, 6, 6])], [tensor("y", None)], inits)


def external_conv(location, length=432):
    """A Conv whose weight lives in an external data file at `location`."""
    w = const("w", weight(4, 3, 3, 3))
    w.ClearField("raw_data")
    w.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", str(length))):
        entry = w.external_data.add()
        entry.key, entry.value = key, value
    node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv")
    return model([node], [tensor("x", [1, 3, 8, 8])], [tensor("y", None)], [w])


@case("external_data", "imports")
def _():
    return external_conv("external_data.bin"), {"external_data.bin": weight(4, 3, 3, 3).tobytes()}


@case("external_data_outside", "reads external data from '../make_hostile.py', outside the model's folder")
def _():
    return external_conv("../make_hostile.py")


@case("external_data_absolute", "reads external data from '/etc/passwd', outside the model's folder")
def _():
    return external_conv("/etc/passwd")


@case("external_data_missing", "its external data 'nowhere.bin' cannot be read")
def _():
    return external_conv("nowhere.bin")


@case("external_data_short", "holds 4 of 432 bytes")
def _():
    return external_conv("external_data_short.bin"), {"external_data_short.bin": b"1234"}


# --- NHWC transposes, layer norms, GELU, L2 norms, constant operands ----------
def chain(steps, inits=(), x_shape=(1, 3, 8, 8), opset=13):
    """x -> steps -> y: each step (op, extra inputs, attributes) reads the one before."""
    nodes, previous = [], "x"
    for i, (op, extra, attrs) in enumerate(steps):
        out = "y" if i == len(steps) - 1 else f"t{i}"
        nodes.append(helper.make_node(op, [previous] + list(extra), [out], name=f"{op.lower()}{i}", **attrs))
        previous = out
    return model(nodes, [tensor("x", list(x_shape))], [tensor("y", None)], inits, opset)


NHWC = ("Transpose", [], {"perm": [0, 2, 3, 1]})
NCHW = ("Transpose", [], {"perm": [0, 3, 1, 2]})


@case("nhwc_into_conv", "imports")
def _():
    return chain([NHWC, ("Conv", ["w"], {})], [const("w", weight(4, 8, 1, 1))])


@case("nhwc_mixed_with_nchw", "imports")
def _():
    nodes = [helper.make_node("Transpose", ["x"], ["v"], name="nhwc", perm=[0, 2, 3, 1]),
             helper.make_node("Add", ["v", "x"], ["y"], name="add")]
    return model(nodes, [tensor("x", [1, 8, 8, 8])], [tensor("y", None)])


@case("nhwc_matmul_features", "reads 5 features")
def _():
    return chain([NHWC, ("MatMul", ["w"], {}), NCHW], [const("w", weight(5, 4))])


@case("layer_norm_axis_1", "Kiln's layer_norm normalizes the channels")
def _():
    return chain([("LayerNormalization", ["s"], {"axis": 1})], [const("s", weight(3, 8, 8))], opset=17)


@case("layer_norm_nchw_last_axis", "normalizes from axis -1 of [1, 3, 8, 8]")
def _():
    return chain([("LayerNormalization", ["s"], {})], [const("s", weight(8))], opset=17)


@case("layer_norm_bad_scale", "its scale has shape [5]")
def _():
    return chain([NHWC, ("LayerNormalization", ["s"], {}), NCHW], [const("s", weight(5))], opset=17)


@case("layer_norm_zero_eps", "epsilon=0.0 must be positive")
def _():
    return chain([NHWC, ("LayerNormalization", ["s"], {"epsilon": 0.0}), NCHW], [const("s", weight(3))], opset=17)


@case("layer_norm_decomposed_over_width", "a layer norm over axes [3] of [1, 3, 8, 8]")
def _():
    nodes = [helper.make_node("ReduceMean", ["x"], ["m"], name="mean", axes=[-1]),
             helper.make_node("Sub", ["x", "m"], ["d"], name="sub"),
             helper.make_node("Pow", ["d", "two"], ["p"], name="pow"),
             helper.make_node("ReduceMean", ["p"], ["v"], name="variance", axes=[-1]),
             helper.make_node("Add", ["v", "eps"], ["ve"], name="add"),
             helper.make_node("Sqrt", ["ve"], ["s"], name="sqrt"),
             helper.make_node("Div", ["d", "s"], ["y"], name="div")]
    return model(nodes, [tensor("x", [1, 3, 8, 8])], [tensor("y", None)],
                 [const("two", np.float32(2)), const("eps", np.float32(1e-5))])


@case("gelu_wrong_divisor", "Erf outside GELU's pattern")
def _():
    nodes = [helper.make_node("Div", ["x", "c"], ["d"], name="div"), helper.make_node("Erf", ["d"], ["e"], name="erf"),
             helper.make_node("Add", ["e", "one"], ["a"], name="add"), helper.make_node("Mul", ["x", "a"], ["m"], name="mul"),
             helper.make_node("Mul", ["m", "half"], ["y"], name="half")]
    return model(nodes, [tensor("x", [1, 3, 8, 8])], [tensor("y", None)],
                 [const("c", np.float32(2)), const("one", np.float32(1)), const("half", np.float32(0.5))])


@case("erf_alone", "imports")
def _():
    return one_node("Erf", ["x"])


@case("reduce_to_scalar", "ReduceSum of [1, 3, 8, 8] to a scalar")
def _():
    return one_node("ReduceSum", ["x"], keepdims=0)


@case("l2_norm_over_width", "ReduceL2 over axes [3]")
def _():
    nodes = [helper.make_node("ReduceL2", ["x"], ["n"], name="norm", axes=[3]),
             helper.make_node("Clip", ["n", "eps"], ["c"], name="clip"),
             helper.make_node("Div", ["x", "c"], ["y"], name="div")]
    return model(nodes, [tensor("x", [1, 3, 8, 8])], [tensor("y", None)], [const("eps", np.float32(1e-12))])


@case("max_of_a_constant", "imports")
def _():
    return one_node("Max", ["x", "c", "x"], [const("c", weight(1, 3, 1, 1))])


@case("mod_two_tensors", "node 'mod' (Mod) has no Kiln layer")
def _():
    return one_node("Mod", ["x", "x"], fmod=1)


@case("div_by_zero_constant", "imports")
def _():
    return one_node("Div", ["x", "c"], [const("c", np.zeros((3, 1, 1), np.float32))])


@case("pow_constant", "imports")
def _():
    return one_node("Pow", ["x", "c"], [const("c", np.float32(3))])


@case("pow_integer_constant", "imports")  # Pow's exponent may be an integer type
def _():
    return one_node("Pow", ["x", "c"], [const("c", np.array([2], np.int64))])


# --- quantized models: 8-bit grids Kiln cannot hold ------------------------------
def qdq(x_scale, x_zero, dq_scale=None, dq_zero=None, reader=None, axis=None, y_type=TensorProto.FLOAT):
    """x -> QuantizeLinear -> DequantizeLinear (or `reader`) -> y."""
    inits = [const("s", x_scale), const("z", x_zero), const("ds", x_scale if dq_scale is None else dq_scale),
             const("dz", x_zero if dq_zero is None else dq_zero)]
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="quantize",
                              **({} if axis is None else {"axis": axis}))]
    nodes.append(reader or helper.make_node("DequantizeLinear", ["q", "ds", "dz"], ["y"], name="dequantize"))
    return model(nodes, [tensor("x", [1, 3, 8, 8])], [tensor("y", None, y_type)], inits)


@case("quantize_per_channel_activation", "its output has 3 scales; Kiln quantizes a tensor with one")
def _():
    return qdq(np.full(3, 0.1, np.float32), np.zeros(3, np.uint8), axis=1)


@case("quantize_zero_scale", "its output scale holds 0.0; scales are finite and above 0")
def _():
    return qdq(np.float32(0), np.uint8(0))


@case("quantize_nan_scale", "scales are finite and above 0")
def _():
    return qdq(np.float32("nan"), np.uint8(0))


@case("quantize_int32_zero_point", "zero point is int32; Kiln's 8-bit tensors are uint8 or int8")
def _():
    return qdq(np.float32(0.1), np.int32(0))


@case("dequantize_other_grid", "it was quantized with scale 0.1 and zero point 3")
def _():
    return qdq(np.float32(0.1), np.uint8(3), dq_scale=np.float32(0.2))


@case("add_of_8bit_tensor", "reads the 8-bit tensor 'q'")
def _():
    return qdq(np.float32(0.1), np.uint8(3), reader=helper.make_node("Add", ["q", "q"], ["y"], name="add"),
               y_type=TensorProto.UINT8)


@case("quantized_output", "output 'y' is an 8-bit tensor")
def _():
    return qdq(np.float32(0.1), np.uint8(3), reader=helper.make_node("Identity", ["q"], ["y"], name="same"),
               y_type=TensorProto.UINT8)


@case("dequantize_weight_scales_mismatch", "has 5 values along axis 0, of 4")
def _():
    inits = [const("wq", np.ones((4, 3, 3, 3), np.int8)), const("ws", np.full(5, 0.1, np.float32)),
             const("wz", np.zeros(5, np.int8))]
    nodes = [helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], name="weights", axis=0),
             helper.make_node("Conv", ["x", "w"], ["y"], name="conv")]
    return model(nodes, [tensor("x", [1, 3, 8, 8])], [tensor("y", None)], inits)


@case("qlinearconv_float_bias", "its bias is float32 [4]; ONNX wants int32 [4]")
def _():
    inits = [const("s", np.float32(0.1)), const("z", np.uint8(0)), const("wq", np.ones((4, 3, 3, 3), np.int8)),
             const("ws", np.float32(0.1)), const("wz", np.int8(0)), const("b", np.zeros(4, np.float32))]
    nodes = [helper.make_node("QuantizeLinear", ["x", "s", "z"], ["q"], name="quantize"),
             helper.make_node("QLinearConv", ["q", "s", "z", "wq", "ws", "wz", "s", "z", "b"], ["c"], name="conv"),
             helper.make_node("DequantizeLinear", ["c", "s", "z"], ["y"], name="dequantize")]
    return model(nodes, [tensor("x", [1, 3, 8, 8])], [tensor("y", None)], inits)


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    for name, (make, expect) in CASES.items():
        made, extra = make(), {}
        if isinstance(made, tuple):
            made, extra = made
        for filename, content in extra.items():
            with open(os.path.join(OUT, filename), "wb") as f:
                f.write(content)
        data = made if isinstance(made, bytes) else made.SerializeToString()
        with open(os.path.join(OUT, name + ".onnx"), "wb") as f:
            f.write(data)
        with open(os.path.join(OUT, name + ".expect"), "w") as f:
            f.write(expect + "\n")
    print(f"wrote {len(CASES)} hostile models to {OUT}")


if __name__ == "__main__":
    main()

"""make_onnx.py OUT.onnx: a one-node ONNX model using Resize in a mode Kiln lacks (half_pixel nearest)."""
import sys

import onnx
from onnx import TensorProto, helper

scales = helper.make_tensor("scales", TensorProto.FLOAT, [4], [1.0, 1.0, 2.0, 2.0])
node = helper.make_node("Resize", ["x", "", "scales"], ["y"], name="upsample")
graph = helper.make_graph([node], "resize", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3, 16, 16])], [scales])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), sys.argv[1])

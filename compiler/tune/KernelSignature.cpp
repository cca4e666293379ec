#include "tune/KernelSignature.h"

#include <sstream>

namespace kiln {
namespace {

void write_window(std::ostream& out, const Window2d& w) {
  out << " k" << w.kernel_h << "x" << w.kernel_w << " s" << w.stride_h << "x" << w.stride_w << " d" << w.dilation_h
      << "x" << w.dilation_w << " p" << w.padding.top << "," << w.padding.left << "," << w.padding.bottom << ","
      << w.padding.right << (w.ceil_mode ? " ceil" : "");
}

void write_tensor(std::ostream& out, const Graph& graph, int layer, const TensorLayouts& layouts) {
  out << to_string(graph.layers[layer].shape);
  if (layout_of(layouts, layer) == TensorLayout::Nhwc) out << "nhwc";
}

}  // namespace

std::string kernel_signature(const Graph& graph, const std::vector<int>& layers, const TensorLayouts& layouts,
                             const std::string& target) {
  std::ostringstream out;
  for (int index : layers) {
    const Layer& layer = graph.layers[index];
    out << layer.op_name << "(";
    for (size_t i = 0; i < layer.inputs.size(); ++i) {
      if (i) out << ",";
      write_tensor(out, graph, layer.inputs[i], layouts);
    }
    out << ")->";
    write_tensor(out, graph, index, layouts);
    for (const WeightSpec& weight : layer.weights) out << to_string(weight.shape);
    if (layer.op == OpKind::Conv2d) {
      write_window(out, layer.get<ConvAttrs>().window);
      out << " g" << layer.get<ConvAttrs>().groups;
    } else if (layer.op == OpKind::MaxPool || layer.op == OpKind::AvgPool) {
      write_window(out, layer.get<PoolAttrs>().window);
    } else if (layer.op == OpKind::ConvTranspose2d) {
      const ConvTransposeAttrs& conv = layer.get<ConvTransposeAttrs>();
      write_window(out, conv.window);
      out << " g" << conv.groups << " op" << conv.output_padding_h << "x" << conv.output_padding_w;
    } else if (layer.op == OpKind::Reduce) {
      out << " axes";
      for (int axis : layer.get<ReduceAttrs>().axes) out << " " << axis;
    } else if (layer.op == OpKind::Transpose) {
      out << " perm";
      for (int axis : layer.get<TransposeAttrs>().perm) out << " " << axis;
    }
    out << "; ";
  }
  out << target;
  return out.str();
}

}  // namespace kiln

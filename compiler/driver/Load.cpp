#include "driver/Commands.h"
#include "graph/Checker.h"
#include "language/Diagnostics.h"
#include "language/Parser.h"

namespace kiln {

Graph load_network(const std::string& path) {
  SourceFile source = SourceFile::read(path);
  try {
    return check(parse(source.text()));
  } catch (const SpecError& error) {
    std::string rendered = source.render(error);
    rendered.pop_back();  // the driver adds the final newline
    throw UserError(rendered);
  }
}

std::map<int, std::string> assign_files(const Graph& graph, const std::vector<int>& tensors,
                                  const std::vector<std::string>& args, const char* role) {
  std::map<int, std::string> assigned;
  size_t position = 0;
  for (const std::string& arg : args) {
    size_t eq = arg.find('=');
    int tensor = -1;
    std::string file = arg;
    if (eq != std::string::npos) {
      std::string name = arg.substr(0, eq);
      file = arg.substr(eq + 1);
      for (int t : tensors)
        if (graph.layers[t].name == name) tensor = t;
      if (tensor < 0) throw UserError(std::string("error: network ") + graph.name + " has no " + role + " '" + name + "'");
    } else {
      while (position < tensors.size() && assigned.count(tensors[position])) ++position;
      if (position >= tensors.size())
        throw UserError(std::string("error: more --") + role + " files than the network's " +
                        std::to_string(tensors.size()) + " " + role + "s");
      tensor = tensors[position];
    }
    if (assigned.count(tensor))
      throw UserError(std::string("error: ") + role + " '" + graph.layers[tensor].name + "' is given twice");
    assigned[tensor] = file;
  }
  return assigned;
}

}  // namespace kiln

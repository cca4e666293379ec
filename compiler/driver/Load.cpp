#include "driver/Commands.h"
#include "graph/Checker.h"
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

}  // namespace kiln

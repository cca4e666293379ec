#include "driver/ScratchDirectory.h"

#include <stdlib.h>

#include <filesystem>

#include "language/Diagnostics.h"

namespace kiln {
namespace fs = std::filesystem;

ScratchDirectory::ScratchDirectory(const std::string& prefix) {
  std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(pattern.data())) throw UserError("error: cannot create a temporary directory");
  path_ = pattern;
}

ScratchDirectory::~ScratchDirectory() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

}  // namespace kiln

#pragma once

#include <string>
#include <vector>

namespace kiln {

// The C toolchain that turns the glue into objects and objects into archives
// and shared objects: $CC (default cc) and $AR (default ar), plus where
// Kiln's own runtime and headers are (beside the kiln executable).
class Toolchain {
 public:
  Toolchain();

  void compile_c(const std::string& source, const std::string& object) const;
  void archive(const std::string& archive, const std::vector<std::string>& objects) const;
  // A shared object holding a network and the runtime, for `kiln run` to load.
  void link_shared(const std::string& library, const std::string& archive) const;

  const std::string& runtime_library() const { return runtime_library_; }

 private:
  std::string cc_, ar_, include_dir_, runtime_library_;
};

// Where Kiln is: the directory holding bin/kiln, lib/, include/ and share/kiln/,
// in the build tree and in an installation alike.
std::string installation_prefix();

// Runs a program with arguments; throws UserError with its output on failure.
void run_program(const std::vector<std::string>& argv, const std::string& what);

}  // namespace kiln

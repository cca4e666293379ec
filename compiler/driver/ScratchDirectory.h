#pragma once

#include <string>

namespace kiln {

// A new directory under the system's temporary directory, removed with
// everything in it when this goes, however the command ends.
class ScratchDirectory {
 public:
  explicit ScratchDirectory(const std::string& prefix);  // throws UserError
  ~ScratchDirectory();
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace kiln

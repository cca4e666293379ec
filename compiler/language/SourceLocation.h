#pragma once

namespace kiln {

// A 1-based line and column in a .kiln file. Line 0 means "no position".
struct SourceLocation {
  int line = 0;
  int column = 0;
};

}  // namespace kiln

#pragma once

#include <stdexcept>
#include <string>

#include "language/SourceLocation.h"

namespace kiln {

// A user error in a .kiln file. Thrown by the lexer, parser and checker and
// caught once by the driver, which renders it with the source line and a caret.
class SpecError : public std::runtime_error {
 public:
  SpecError(SourceLocation where, const std::string& message)
      : std::runtime_error(message), where_(where) {}
  SourceLocation where() const { return where_; }

 private:
  SourceLocation where_;
};

// A user error that is not tied to a spec position: a weights file, a tensor
// file, a schedule file, an option. The message names the file and the reason.
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Source text with its file name, so that errors can quote the offending line.
class SourceFile {
 public:
  SourceFile(std::string path, std::string text);
  static SourceFile read(const std::string& path);  // throws UserError

  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }
  std::string line(int number) const;  // without the newline

  // "FILE:LINE:COL: error: MESSAGE", the source line and a caret.
  std::string render(const SpecError& error) const;

 private:
  std::string path_;
  std::string text_;
};

}  // namespace kiln

#include "language/Diagnostics.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace kiln {

SourceFile::SourceFile(std::string path, std::string text)
    : path_(std::move(path)), text_(std::move(text)) {}

SourceFile SourceFile::read(const std::string& path) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) throw UserError(path + ": error: is a directory, not a .kiln file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path + ": error: cannot open file");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw UserError(path + ": error: cannot read file");
  return SourceFile(path, text.str());
}

std::string SourceFile::line(int number) const {
  size_t begin = 0;
  for (int i = 1; i < number; ++i) {
    begin = text_.find('\n', begin);
    if (begin == std::string::npos) return "";
    ++begin;
  }
  size_t end = text_.find('\n', begin);
  std::string result = text_.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  if (!result.empty() && result.back() == '\r') result.pop_back();
  return result;
}

std::string SourceFile::render(const SpecError& error) const {
  SourceLocation at = error.where();
  std::ostringstream out;
  out << path_;
  if (at.line > 0) out << ":" << at.line << ":" << at.column;
  out << ": error: " << error.what() << "\n";
  if (at.line > 0) {
    std::string text = line(at.line);
    for (char& c : text)  // control bytes would garble the terminal
      if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) c = '?';
    out << text << "\n";
    // Keep tabs so that the caret lines up under the same column.
    std::string caret;
    for (int i = 1; i < at.column && i - 1 < static_cast<int>(text.size()); ++i)
      caret += text[i - 1] == '\t' ? '\t' : ' ';
    out << caret << "^\n";
  }
  return out.str();
}

}  // namespace kiln

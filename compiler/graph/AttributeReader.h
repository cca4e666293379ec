#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "graph/Layer.h"
#include "language/Ast.h"
#include "language/Diagnostics.h"

namespace kiln {

// Padding as written, before the input size resolves `same`.
struct PaddingSpec {
  bool same = false;
  Padding2d explicit_padding;
};

// Reads one layer's key=value attributes with typed accessors. Unknown and
// repeated keys are rejected up front; every accessor reports a wrong value at
// the value's own position.
class AttributeReader {
 public:
  AttributeReader(const ast::Layer& layer, std::vector<std::string> allowed);

  bool has(const std::string& key) const { return find(key) != nullptr; }
  const ast::Value* find(const std::string& key) const;

  int required_positive(const std::string& key) const;
  int positive(const std::string& key, int fallback) const;
  int integer(const std::string& key, int fallback) const;
  float number(const std::string& key, float fallback) const;
  std::optional<float> optional_number(const std::string& key) const;
  bool boolean(const std::string& key, bool fallback) const;
  // One of `options`, written as a name.
  std::string choice(const std::string& key, const std::vector<std::string>& options) const;
  // An int or an (h, w) pair of positive integers.
  std::pair<int, int> required_pair(const std::string& key) const;
  std::pair<int, int> pair(const std::string& key, std::pair<int, int> fallback) const;
  PaddingSpec padding(const std::string& key, bool allow_same) const;
  Activation activation(const std::string& key) const;
  // An integer or a list [a, b, ...] of integers (empty if absent), and where
  // its i-th integer was written.
  std::vector<int64_t> integers(const std::string& key) const;
  SourceLocation integer_where(const std::string& key, size_t i) const;
  // A nested list of numbers: its values in row-major order and its shape.
  std::pair<std::vector<float>, Shape> tensor(const std::string& key) const;

 private:
  std::pair<int, int> read_pair(const ast::Value& value, const std::string& key) const;
  [[noreturn]] void wrong(const ast::Value& value, const std::string& key,
                          const std::string& expected) const;

  const ast::Layer& layer_;
};

// The unary activations by name, as used both as layers and as `activation=`.
std::optional<Activation> activation_named(const std::string& name);
const char* activation_name(ActivationKind kind);

}  // namespace kiln

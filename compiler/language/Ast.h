#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "language/SourceLocation.h"

namespace kiln::ast {

// An attribute value as written: 3, 0.5, -1, relu, (2, 3), [[1, 0], [0, 1]].
struct Value {
  enum class Kind { Integer, Float, Identifier, Tuple, List };
  Kind kind;
  SourceLocation where;
  int64_t integer = 0;   // Integer
  double number = 0.0;   // Integer and Float
  std::string text;      // Identifier, and the literal for numbers
  std::vector<Value> elements;  // Tuple and List
};

const char* describe(Value::Kind kind);

struct Name {
  std::string text;
  SourceLocation where;
};

struct Attribute {
  Name key;
  Value value;
};

struct Input {
  Name name;
  Name dtype;
  std::vector<Value> dims;  // each an Integer
};

struct Layer {
  Name name;
  Name op;
  std::vector<Name> operands;
  std::vector<Attribute> attributes;
  SourceLocation close;  // the ')' that ends the call
};

struct Program {
  Name network;
  std::vector<Input> inputs;
  std::vector<Layer> layers;
  std::vector<Name> outputs;
};

}  // namespace kiln::ast

#include "graph/AttributeReader.h"

#include <cmath>
#include <limits>

namespace kiln {

namespace {

const std::pair<const char*, ActivationKind> kActivations[] = {
    {"none", ActivationKind::None},           {"relu", ActivationKind::Relu},
    {"relu6", ActivationKind::Relu6},         {"sigmoid", ActivationKind::Sigmoid},
    {"tanh", ActivationKind::Tanh},           {"silu", ActivationKind::Silu},
    {"hardswish", ActivationKind::Hardswish}, {"hardsigmoid", ActivationKind::Hardsigmoid},
    {"gelu", ActivationKind::Gelu},           {"leaky_relu", ActivationKind::LeakyRelu},
    {"exp", ActivationKind::Exp},             {"sqrt", ActivationKind::Sqrt},
    {"erf", ActivationKind::Erf},
};

}  // namespace

std::optional<Activation> activation_named(const std::string& name) {
  for (const auto& [text, kind] : kActivations)
    if (name == text) return Activation{kind, kind == ActivationKind::Hardsigmoid ? 1.0f / 6 : 0.01f};
  return std::nullopt;
}

const char* activation_name(ActivationKind kind) {
  for (const auto& [text, known] : kActivations)
    if (known == kind) return text;
  return "none";
}

AttributeReader::AttributeReader(const ast::Layer& layer, std::vector<std::string> allowed)
    : layer_(layer) {
  for (size_t i = 0; i < layer.attributes.size(); ++i) {
    const ast::Attribute& attribute = layer.attributes[i];
    bool known = false;
    for (const std::string& name : allowed) known = known || name == attribute.key.text;
    if (!known) {
      std::string expected;
      for (const std::string& name : allowed) expected += (expected.empty() ? "" : ", ") + name;
      throw SpecError(attribute.key.where,
                      "unknown attribute '" + attribute.key.text + "' for " + layer.op.text +
                          (allowed.empty() ? " (it takes no attributes)"
                                           : " (expected one of: " + expected + ")"));
    }
    for (size_t j = 0; j < i; ++j)
      if (layer.attributes[j].key.text == attribute.key.text)
        throw SpecError(attribute.key.where, "attribute '" + attribute.key.text + "' is given twice");
  }
}

const ast::Value* AttributeReader::find(const std::string& key) const {
  for (const ast::Attribute& attribute : layer_.attributes)
    if (attribute.key.text == key) return &attribute.value;
  return nullptr;
}

void AttributeReader::wrong(const ast::Value& value, const std::string& key,
                            const std::string& expected) const {
  std::string found = ast::describe(value.kind);
  if (value.kind != ast::Value::Kind::Tuple && value.kind != ast::Value::Kind::List)
    found += " '" + value.text + "'";
  throw SpecError(value.where, "attribute '" + key + "' of " + layer_.op.text + " must be " +
                                   expected + ", found " + found);
}

int AttributeReader::required_positive(const std::string& key) const {
  if (!has(key)) throw SpecError(layer_.op.where, layer_.op.text + " needs attribute '" + key + "'");
  return positive(key, 1);
}

int AttributeReader::positive(const std::string& key, int fallback) const {
  const ast::Value* value = find(key);
  if (!value) return fallback;
  if (value->kind != ast::Value::Kind::Integer || value->integer < 1 ||
      value->integer > std::numeric_limits<int>::max())
    wrong(*value, key, "a positive integer");
  return static_cast<int>(value->integer);
}

int AttributeReader::integer(const std::string& key, int fallback) const {
  const ast::Value* value = find(key);
  if (!value) return fallback;
  if (value->kind != ast::Value::Kind::Integer || value->integer < std::numeric_limits<int>::min() ||
      value->integer > std::numeric_limits<int>::max())
    wrong(*value, key, "an integer");
  return static_cast<int>(value->integer);
}

float AttributeReader::number(const std::string& key, float fallback) const {
  return optional_number(key).value_or(fallback);
}

std::optional<float> AttributeReader::optional_number(const std::string& key) const {
  const ast::Value* value = find(key);
  if (!value) return std::nullopt;
  if (value->kind == ast::Value::Kind::Identifier && (value->text == "inf" || value->text == "nan"))
    wrong(*value, key, "a finite number");
  if (value->kind != ast::Value::Kind::Integer && value->kind != ast::Value::Kind::Float)
    wrong(*value, key, "a number");
  if (!std::isfinite(static_cast<float>(value->number))) wrong(*value, key, "a finite f32 number");
  return static_cast<float>(value->number);
}

bool AttributeReader::boolean(const std::string& key, bool fallback) const {
  const ast::Value* value = find(key);
  if (!value) return fallback;
  if (value->kind == ast::Value::Kind::Identifier && value->text == "true") return true;
  if (value->kind == ast::Value::Kind::Identifier && value->text == "false") return false;
  wrong(*value, key, "true or false");
}

std::string AttributeReader::choice(const std::string& key, const std::vector<std::string>& options) const {
  const ast::Value* value = find(key);
  if (!value) return options.front();
  for (const std::string& option : options)
    if (value->kind == ast::Value::Kind::Identifier && value->text == option) return option;
  std::string expected;
  for (size_t i = 0; i < options.size(); ++i)
    expected += (i == 0 ? "" : i + 1 == options.size() ? " or " : ", ") + options[i];
  wrong(*value, key, expected);
}

std::vector<int64_t> AttributeReader::integers(const std::string& key) const {
  const ast::Value* value = find(key);
  if (!value) return {};
  auto is_integer = [](const ast::Value& v) {
    return v.kind == ast::Value::Kind::Integer && v.integer >= -(int64_t{1} << 40) && v.integer <= (int64_t{1} << 40);
  };
  if (is_integer(*value)) return {value->integer};
  std::vector<int64_t> out;
  if (value->kind == ast::Value::Kind::List || value->kind == ast::Value::Kind::Tuple)
    for (const ast::Value& element : value->elements)
      if (is_integer(element)) out.push_back(element.integer);
  if (out.empty() || out.size() != value->elements.size()) wrong(*value, key, "an integer or a list [a, b, ...] of integers");
  return out;
}

SourceLocation AttributeReader::integer_where(const std::string& key, size_t i) const {
  const ast::Value* value = find(key);
  return value->elements.empty() ? value->where : value->elements[i].where;
}

std::pair<int, int> AttributeReader::read_pair(const ast::Value& value, const std::string& key) const {
  auto positive_int = [](const ast::Value& v) {
    return v.kind == ast::Value::Kind::Integer && v.integer >= 1 && v.integer <= (1 << 24);
  };
  if (positive_int(value)) return {static_cast<int>(value.integer), static_cast<int>(value.integer)};
  if (value.kind == ast::Value::Kind::Tuple && value.elements.size() == 2 &&
      positive_int(value.elements[0]) && positive_int(value.elements[1]))
    return {static_cast<int>(value.elements[0].integer), static_cast<int>(value.elements[1].integer)};
  wrong(value, key, "a positive integer or a pair (h, w) of them");
}

std::pair<int, int> AttributeReader::required_pair(const std::string& key) const {
  const ast::Value* value = find(key);
  if (!value) throw SpecError(layer_.op.where, layer_.op.text + " needs attribute '" + key + "'");
  return read_pair(*value, key);
}

std::pair<int, int> AttributeReader::pair(const std::string& key, std::pair<int, int> fallback) const {
  const ast::Value* value = find(key);
  return value ? read_pair(*value, key) : fallback;
}

PaddingSpec AttributeReader::padding(const std::string& key, bool allow_same) const {
  PaddingSpec spec;
  const ast::Value* value = find(key);
  if (!value) return spec;
  const char* expected = allow_same
      ? "an integer, (h, w), (top, left, bottom, right), same or valid"
      : "an integer, (h, w) or (top, left, bottom, right)";
  auto amount = [&](const ast::Value& v) {
    if (v.kind != ast::Value::Kind::Integer || v.integer < 0 || v.integer > (1 << 24))
      wrong(*value, key, std::string(expected) + " of non-negative integers");
    return static_cast<int>(v.integer);
  };
  if (value->kind == ast::Value::Kind::Identifier) {
    if (allow_same && value->text == "same") spec.same = true;
    else if (allow_same && value->text == "valid") {}
    else wrong(*value, key, expected);
  } else if (value->kind == ast::Value::Kind::Integer) {
    int p = amount(*value);
    spec.explicit_padding = {p, p, p, p};
  } else if (value->kind == ast::Value::Kind::Tuple && value->elements.size() == 2) {
    int h = amount(value->elements[0]), w = amount(value->elements[1]);
    spec.explicit_padding = {h, w, h, w};
  } else if (value->kind == ast::Value::Kind::Tuple && value->elements.size() == 4) {
    spec.explicit_padding = {amount(value->elements[0]), amount(value->elements[1]),
                             amount(value->elements[2]), amount(value->elements[3])};
  } else {
    wrong(*value, key, expected);
  }
  return spec;
}

Activation AttributeReader::activation(const std::string& key) const {
  const ast::Value* value = find(key);
  if (!value) return {};
  if (value->kind == ast::Value::Kind::Identifier)
    if (auto known = activation_named(value->text)) return *known;
  std::string names;
  for (const auto& [text, kind] : kActivations) names += std::string(names.empty() ? "" : ", ") + text;
  wrong(*value, key, "one of " + names);
}

namespace {

void flatten_list(const ast::Value& value, size_t depth, Shape& shape, std::vector<float>& out,
                  const std::string& key, const std::string& op) {
  if (value.kind == ast::Value::Kind::Integer || value.kind == ast::Value::Kind::Float) {
    if (depth != shape.size())
      throw SpecError(value.where, "attribute '" + key + "' of " + op +
                                       " is not rectangular: a number where a list was expected");
    if (!std::isfinite(static_cast<float>(value.number)))
      throw SpecError(value.where, "attribute '" + key + "' holds a number that is not a finite f32");
    out.push_back(static_cast<float>(value.number));
    return;
  }
  if (value.kind != ast::Value::Kind::List)
    throw SpecError(value.where, "attribute '" + key + "' of " + op +
                                     " must be a nested list of numbers, found " +
                                     ast::describe(value.kind));
  if (value.elements.empty())
    throw SpecError(value.where, "attribute '" + key + "' of " + op + " has an empty list");
  if (depth == shape.size()) {
    if (!out.empty())
      throw SpecError(value.where, "attribute '" + key + "' of " + op +
                                       " is not rectangular: a list where a number was expected");
    shape.push_back(static_cast<int64_t>(value.elements.size()));
  } else if (shape[depth] != static_cast<int64_t>(value.elements.size())) {
    throw SpecError(value.where, "attribute '" + key + "' of " + op + " is not rectangular: " +
                                     std::to_string(value.elements.size()) + " elements where " +
                                     std::to_string(shape[depth]) + " were expected");
  }
  for (const ast::Value& element : value.elements) flatten_list(element, depth + 1, shape, out, key, op);
}

}  // namespace

std::pair<std::vector<float>, Shape> AttributeReader::tensor(const std::string& key) const {
  std::vector<float> values;
  Shape shape;
  if (const ast::Value* value = find(key)) flatten_list(*value, 0, shape, values, key, layer_.op.text);
  return {values, shape};
}

}  // namespace kiln

#include "language/Parser.h"

#include <cerrno>
#include <cstdlib>

#include "language/Lexer.h"

namespace kiln {

const char* ast::describe(ast::Value::Kind kind) {
  switch (kind) {
    case Value::Kind::Integer: return "an integer";
    case Value::Kind::Float: return "a number";
    case Value::Kind::Identifier: return "a name";
    case Value::Kind::Tuple: return "a tuple";
    case Value::Kind::List: return "a list";
  }
  return "a value";
}

namespace {

class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  ast::Program run() {
    ast::Program program;
    skip_newlines();
    const Token& first = peek();
    if (first.kind != TokenKind::Identifier || first.text != "network")
      throw SpecError(first.where, "a .kiln file must start with 'network NAME'");
    next();
    program.network = name("a network name");
    end_of_statement();

    bool seen_output = false;
    for (skip_newlines(); peek().kind != TokenKind::End; skip_newlines()) {
      const Token& head = peek();
      if (head.kind != TokenKind::Identifier)
        throw SpecError(head.where, std::string("expected a statement, found ") + shown(head));
      if (seen_output)
        throw SpecError(head.where, "'output' must be the last statement");
      if (head.text == "network" && peek(1).kind == TokenKind::Identifier) {
        throw SpecError(head.where, "'network' may appear only once, at the start");
      } else if (head.text == "input" && peek(1).kind == TokenKind::Identifier) {
        next();
        program.inputs.push_back(input());
      } else if (head.text == "output" && peek(1).kind == TokenKind::Identifier) {
        next();
        program.outputs.push_back(name("an output name"));
        while (accept(TokenKind::Comma)) program.outputs.push_back(name("an output name"));
        seen_output = true;
      } else {
        program.layers.push_back(layer());
      }
      end_of_statement();
    }
    if (!seen_output)
      throw SpecError(peek().where, "missing 'output NAME' at the end of the network");
    return program;
  }

 private:
  const Token& peek(size_t ahead = 0) const {
    size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& next() {
    const Token& token = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return token;
  }
  bool accept(TokenKind kind) {
    if (peek().kind != kind) return false;
    next();
    return true;
  }
  static std::string shown(const Token& token) {
    if (token.kind == TokenKind::Identifier || token.kind == TokenKind::Integer ||
        token.kind == TokenKind::Float)
      return "'" + token.text + "'";
    return describe(token.kind);
  }
  const Token& expect(TokenKind kind, const std::string& context) {
    if (peek().kind != kind)
      throw SpecError(peek().where, std::string("expected ") + describe(kind) + " " + context +
                                        ", found " + shown(peek()));
    return next();
  }
  void skip_newlines() {
    while (peek().kind == TokenKind::Newline) next();
  }
  void end_of_statement() {
    if (peek().kind != TokenKind::Newline && peek().kind != TokenKind::End)
      throw SpecError(peek().where, "expected end of line, found " + shown(peek()));
  }
  ast::Name name(const char* what) {
    if (peek().kind != TokenKind::Identifier)
      throw SpecError(peek().where, std::string("expected ") + what + ", found " + shown(peek()));
    const Token& token = next();
    return {token.text, token.where};
  }

  // input NAME: f32[d0, d1, ...]
  ast::Input input() {
    ast::Input in;
    in.name = name("an input name");
    expect(TokenKind::Colon, "after the input name");
    in.dtype = name("an element type such as f32");
    expect(TokenKind::LeftBracket, "before the input's shape");
    if (peek().kind != TokenKind::RightBracket) {
      do {
        in.dims.push_back(value());
      } while (accept(TokenKind::Comma));
    }
    expect(TokenKind::RightBracket, "after the input's shape");
    return in;
  }

  // NAME = OP(operand, ..., key=value, ...)
  ast::Layer layer() {
    ast::Layer layer;
    layer.name = name("a layer name");
    expect(TokenKind::Equals, "after the layer name");
    layer.op = name("an operation");
    expect(TokenKind::LeftParen, "after the operation");
    if (peek().kind != TokenKind::RightParen) {
      do {
        if (peek().kind == TokenKind::Identifier && peek(1).kind == TokenKind::Equals) {
          ast::Attribute attribute;
          attribute.key = name("an attribute");
          next();  // '='
          attribute.value = value();
          layer.attributes.push_back(std::move(attribute));
        } else {
          if (!layer.attributes.empty())
            throw SpecError(peek().where, "tensor operands must come before key=value attributes");
          layer.operands.push_back(name("a tensor operand or key=value"));
        }
      } while (accept(TokenKind::Comma));
    }
    layer.close = expect(TokenKind::RightParen, "to close the argument list").where;
    return layer;
  }

  ast::Value value() {
    const Token& token = peek();
    ast::Value v;
    v.where = token.where;
    switch (token.kind) {
      case TokenKind::Minus: {
        next();
        if (peek().kind != TokenKind::Integer && peek().kind != TokenKind::Float)
          throw SpecError(peek().where, "expected a number after '-', found " + shown(peek()));
        v = value();
        v.where = token.where;
        v.integer = -v.integer;
        v.number = -v.number;
        v.text = "-" + v.text;
        return v;
      }
      case TokenKind::Integer: {
        next();
        errno = 0;
        long long parsed = std::strtoll(token.text.c_str(), nullptr, 10);
        if (errno == ERANGE) throw SpecError(token.where, "integer " + token.text + " is too large");
        v.kind = ast::Value::Kind::Integer;
        v.integer = parsed;
        v.number = static_cast<double>(parsed);
        v.text = token.text;
        return v;
      }
      case TokenKind::Float: {
        next();
        v.kind = ast::Value::Kind::Float;
        v.number = std::strtod(token.text.c_str(), nullptr);
        v.text = token.text;
        return v;
      }
      case TokenKind::Identifier:
        next();
        v.kind = ast::Value::Kind::Identifier;
        v.text = token.text;
        return v;
      case TokenKind::LeftParen:
      case TokenKind::LeftBracket: {
        bool tuple = token.kind == TokenKind::LeftParen;
        // Bounded, so that hostile input cannot exhaust the stack.
        if (++depth_ > kMaxNesting)
          throw SpecError(token.where, "values nested more than " + std::to_string(kMaxNesting) + " deep");
        next();
        v.kind = tuple ? ast::Value::Kind::Tuple : ast::Value::Kind::List;
        TokenKind close = tuple ? TokenKind::RightParen : TokenKind::RightBracket;
        if (peek().kind != close) {
          do {
            v.elements.push_back(value());
          } while (accept(TokenKind::Comma));
        }
        expect(close, tuple ? "to close the tuple" : "to close the list");
        --depth_;
        return v;
      }
      default:
        throw SpecError(token.where, "expected a value, found " + shown(token));
    }
  }

  static constexpr int kMaxNesting = 32;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

ast::Program parse(const std::string& text) { return Parser(tokenize(text)).run(); }

}  // namespace kiln

#pragma once

#include <string>

#include "language/SourceLocation.h"

namespace kiln {

enum class TokenKind {
  Identifier,  // names and keywords: conv1, layer1.0.conv1, relu, network
  Integer,
  Float,
  Equals,
  Comma,
  Colon,
  Minus,
  LeftParen,
  RightParen,
  LeftBracket,
  RightBracket,
  Newline,  // ends a statement (not emitted inside brackets or parentheses)
  End,
};

const char* describe(TokenKind kind);

struct Token {
  TokenKind kind;
  std::string text;
  SourceLocation where;
};

}  // namespace kiln

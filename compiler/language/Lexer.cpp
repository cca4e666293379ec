#include "language/Lexer.h"

#include <cctype>

namespace kiln {

const char* describe(TokenKind kind) {
  switch (kind) {
    case TokenKind::Identifier: return "a name";
    case TokenKind::Integer: return "an integer";
    case TokenKind::Float: return "a number";
    case TokenKind::Equals: return "'='";
    case TokenKind::Comma: return "','";
    case TokenKind::Colon: return "':'";
    case TokenKind::Minus: return "'-'";
    case TokenKind::LeftParen: return "'('";
    case TokenKind::RightParen: return "')'";
    case TokenKind::LeftBracket: return "'['";
    case TokenKind::RightBracket: return "']'";
    case TokenKind::Newline: return "end of line";
    case TokenKind::End: return "end of file";
  }
  return "a token";
}

namespace {

bool is_name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool is_digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

class Lexer {
 public:
  explicit Lexer(const std::string& text) : text_(text) {}

  std::vector<Token> run() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      SourceLocation at{line_, column_};
      if (c == '\n') {
        if (depth_ == 0) emit(TokenKind::Newline, "\n", at);
        advance();
      } else if (c == ' ' || c == '\t' || c == '\r') {
        advance();
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') advance();
      } else if (is_name_start(c)) {
        name(at);
      } else if (is_digit(c) || (c == '.' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1]))) {
        number(at);
      } else {
        punctuation(c, at);
      }
    }
    SourceLocation at{line_, column_};
    if (!tokens_.empty() && tokens_.back().kind != TokenKind::Newline)
      emit(TokenKind::Newline, "\n", at);
    // "Missing X at the end" points at the end of the last line, not past it.
    if (!tokens_.empty()) at = tokens_.back().where;
    emit(TokenKind::End, "", at);
    return std::move(tokens_);
  }

 private:
  void advance() {
    if (text_[pos_] == '\n') {
      ++line_;
      column_ = 1;
    } else {
      ++column_;
    }
    ++pos_;
  }

  void emit(TokenKind kind, std::string text, SourceLocation at) {
    tokens_.push_back(Token{kind, std::move(text), at});
  }

  // Dot-separated segments: the first starts with a letter or '_', later
  // ones may start with a digit (layer1.0.conv1), as PyTorch module paths do.
  void name(SourceLocation at) {
    size_t begin = pos_;
    while (pos_ < text_.size() && is_name_char(text_[pos_])) advance();
    while (pos_ + 1 < text_.size() && text_[pos_] == '.' && is_name_char(text_[pos_ + 1])) {
      advance();
      while (pos_ < text_.size() && is_name_char(text_[pos_])) advance();
    }
    if (pos_ < text_.size() && text_[pos_] == '.')
      throw SpecError({line_, column_}, "a name segment must follow '.'");
    emit(TokenKind::Identifier, text_.substr(begin, pos_ - begin), at);
  }

  void number(SourceLocation at) {
    size_t begin = pos_;
    bool is_float = false;
    while (pos_ < text_.size() && is_digit(text_[pos_])) advance();
    if (pos_ < text_.size() && text_[pos_] == '.') {
      is_float = true;
      advance();
      while (pos_ < text_.size() && is_digit(text_[pos_])) advance();
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      is_float = true;
      advance();
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) advance();
      if (pos_ >= text_.size() || !is_digit(text_[pos_]))
        throw SpecError({line_, column_}, "expected digits in the exponent of a number");
      while (pos_ < text_.size() && is_digit(text_[pos_])) advance();
    }
    if (pos_ < text_.size() && is_name_start(text_[pos_]))
      throw SpecError({line_, column_}, "unexpected '" + std::string(1, text_[pos_]) + "' after a number");
    emit(is_float ? TokenKind::Float : TokenKind::Integer, text_.substr(begin, pos_ - begin), at);
  }

  void punctuation(char c, SourceLocation at) {
    TokenKind kind;
    switch (c) {
      case '=': kind = TokenKind::Equals; break;
      case ',': kind = TokenKind::Comma; break;
      case ':': kind = TokenKind::Colon; break;
      case '-': kind = TokenKind::Minus; break;
      case '(': kind = TokenKind::LeftParen; ++depth_; break;
      case '[': kind = TokenKind::LeftBracket; ++depth_; break;
      case ')': kind = TokenKind::RightParen; depth_ = depth_ > 0 ? depth_ - 1 : 0; break;
      case ']': kind = TokenKind::RightBracket; depth_ = depth_ > 0 ? depth_ - 1 : 0; break;
      default: {
        unsigned char u = static_cast<unsigned char>(c);
        std::string shown = std::isprint(u) ? "'" + std::string(1, c) + "'"
                                            : "byte 0x" + hex(u);
        throw SpecError(at, "unexpected character " + shown);
      }
    }
    emit(kind, std::string(1, c), at);
    advance();
  }

  static std::string hex(unsigned char u) {
    const char* digits = "0123456789abcdef";
    return {digits[u >> 4], digits[u & 15]};
  }

  const std::string& text_;
  size_t pos_ = 0;
  int line_ = 1;
  int column_ = 1;
  int depth_ = 0;
  std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(const std::string& text) { return Lexer(text).run(); }

}  // namespace kiln

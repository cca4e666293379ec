#include <gtest/gtest.h>

#include "language/Lexer.h"
#include "language/Parser.h"

namespace kiln {
namespace {

TEST(Lexer, DottedNamesAndPositions) {
  std::vector<Token> tokens = tokenize("a = relu(layer1.0.conv1)\n");
  ASSERT_EQ(tokens.size(), 8u);
  EXPECT_EQ(tokens[4].text, "layer1.0.conv1");
  EXPECT_EQ(tokens[4].where.line, 1);
  EXPECT_EQ(tokens[4].where.column, 10);
  EXPECT_EQ(tokens[6].kind, TokenKind::Newline);
  EXPECT_EQ(tokens[7].kind, TokenKind::End);
}

TEST(Lexer, NumbersAndNewlinesInsideBrackets) {
  std::vector<Token> tokens = tokenize("w=[1.5,\n 2e-3, .5]\n");
  std::vector<TokenKind> kinds;
  for (const Token& t : tokens) kinds.push_back(t.kind);
  std::vector<TokenKind> expected = {TokenKind::Identifier, TokenKind::Equals,   TokenKind::LeftBracket,
                                     TokenKind::Float,      TokenKind::Comma,    TokenKind::Float,
                                     TokenKind::Comma,      TokenKind::Float,    TokenKind::RightBracket,
                                     TokenKind::Newline,    TokenKind::End};
  EXPECT_EQ(kinds, expected);
  EXPECT_EQ(tokens[5].where.line, 2);
  EXPECT_EQ(tokens[5].where.column, 2);
}

TEST(Lexer, CommentsRunToEndOfLine) {
  std::vector<Token> tokens = tokenize("# a comment ( [\nx # more\n");
  ASSERT_EQ(tokens.size(), 4u);  // newline, x, newline, end
  EXPECT_EQ(tokens[1].text, "x");
}

TEST(Parser, ProgramStructure) {
  ast::Program p = parse(
      "network n\ninput x: f32[1, 2]\ny = dense(x, units=3, activation=relu)\nz = clip(y, min=-1.5)\noutput y, z\n");
  EXPECT_EQ(p.network.text, "n");
  ASSERT_EQ(p.inputs.size(), 1u);
  EXPECT_EQ(p.inputs[0].dims.size(), 2u);
  ASSERT_EQ(p.layers.size(), 2u);
  EXPECT_EQ(p.layers[0].op.text, "dense");
  ASSERT_EQ(p.layers[0].attributes.size(), 2u);
  EXPECT_EQ(p.layers[0].attributes[0].value.integer, 3);
  EXPECT_EQ(p.layers[0].attributes[1].value.kind, ast::Value::Kind::Identifier);
  EXPECT_DOUBLE_EQ(p.layers[1].attributes[0].value.number, -1.5);
  ASSERT_EQ(p.outputs.size(), 2u);
  EXPECT_EQ(p.outputs[1].text, "z");
}

TEST(Parser, TuplesAndNestedLists) {
  ast::Program p = parse("network n\ninput x: f32[1]\ny = f(x, a=(1, 2), b=[[1, -2], [3, 4]])\noutput y\n");
  const ast::Value& tuple = p.layers[0].attributes[0].value;
  EXPECT_EQ(tuple.kind, ast::Value::Kind::Tuple);
  EXPECT_EQ(tuple.elements.size(), 2u);
  const ast::Value& list = p.layers[0].attributes[1].value;
  ASSERT_EQ(list.elements.size(), 2u);
  EXPECT_EQ(list.elements[0].elements[1].integer, -2);
}

TEST(Parser, ErrorsCarryPositions) {
  try {
    parse("network n\ninput x: f32[1]\ny = relu(x,, )\noutput y\n");
    FAIL() << "expected a SpecError";
  } catch (const SpecError& e) {
    EXPECT_EQ(e.where().line, 3);
    EXPECT_EQ(e.where().column, 12);
  }
}

TEST(Diagnostics, RendersCaretUnderColumn) {
  SourceFile file("net.kiln", "network n\n\tbad line\n");
  std::string text = file.render(SpecError({2, 3}, "oops"));
  EXPECT_EQ(text, "net.kiln:2:3: error: oops\n\tbad line\n\t ^\n");
}

}  // namespace
}  // namespace kiln

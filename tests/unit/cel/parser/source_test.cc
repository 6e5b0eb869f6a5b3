#include "engine/cel/common/source.h"

#include <gtest/gtest.h>

#include "engine/cel/common/diagnostic.h"
#include "engine/cel/parser/parser.h"

namespace stagegate::cel {
namespace {

TEST(Source, PositionsCountCodePoints) {
  Source s("ab\né + x\n\nz");
  EXPECT_EQ(s.PositionOf(0).line, 1);
  EXPECT_EQ(s.PositionOf(0).column, 1);
  EXPECT_EQ(s.PositionOf(1).column, 2);
  SourcePosition x = s.PositionOf(8);  // 'x': after "é + " (é is 2 bytes)
  EXPECT_EQ(x.line, 2);
  EXPECT_EQ(x.column, 5);
  EXPECT_EQ(s.PositionOf(11).line, 4);
  EXPECT_EQ(s.PositionOf(11).column, 1);
  EXPECT_EQ(s.LineTextAt(8), "é + x");
  EXPECT_EQ(s.LineTextAt(10), "");
  EXPECT_EQ(s.ExpressionColumnOf(8), 5);
  // Past the end maps to the end.
  EXPECT_EQ(s.PositionOf(1000).line, 4);
  EXPECT_EQ(s.PositionOf(1000).column, 2);
  EXPECT_EQ(s.PositionOf(-5).column, 1);
}

TEST(Source, LineTextDropsCarriageReturn) {
  Source s("a\r\nb");
  EXPECT_EQ(s.LineTextAt(0), "a");
  EXPECT_EQ(s.PositionOf(3).line, 2);
}

TEST(Source, Embedding) {
  Source s("a +\n  b", "policy.yaml");
  s.SetEmbedding(10, 7, 5);
  SourcePosition first = s.PositionOf(2);
  EXPECT_EQ(first.line, 10);
  EXPECT_EQ(first.column, 9);
  SourcePosition second = s.PositionOf(6);
  EXPECT_EQ(second.line, 11);
  EXPECT_EQ(second.column, 7);
  EXPECT_EQ(s.ExpressionColumnOf(6), 3);
}

TEST(Diagnostic, Format) {
  Source s("1 + #");
  Diagnostic d{"CEL001", "Syntax error: token recognition error at: '#'", 4, Severity::kError};
  EXPECT_EQ(FormatDiagnostic(s, d),
            "<input>:1:5: error CEL001: Syntax error: token recognition error at: '#'\n | 1 + #\n | ....^");
  d.severity = Severity::kWarning;
  d.code = "CEL300";
  d.message = "odd";
  EXPECT_EQ(FormatDiagnostic(s, d), "<input>:1:5: warning CEL300: odd\n | 1 + #\n | ....^");
}

TEST(Diagnostic, EmbeddedHeaderUsesFilePositionSnippetUsesExpression) {
  Source s("x &&\n  y $", "rules.yaml");
  s.SetEmbedding(4, 11, 9);
  ParseResult r = Parse(s);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_EQ(FormatDiagnostics(s, r.diagnostics),
            "rules.yaml:5:13: error CEL001: Syntax error: token recognition error at: '$'\n |   y $\n | ....^");
}

TEST(Diagnostic, ManyAndHasErrors) {
  Source s("ab");
  std::vector<Diagnostic> ds = {{"CEL1", "one", 0, Severity::kWarning}, {"CEL2", "two", 1, Severity::kError}};
  EXPECT_EQ(FormatDiagnostics(s, ds),
            "<input>:1:1: warning CEL1: one\n | ab\n | ^\n<input>:1:2: error CEL2: two\n | ab\n | .^");
  EXPECT_TRUE(HasErrors(ds));
  ds.pop_back();
  EXPECT_FALSE(HasErrors(ds));
  EXPECT_FALSE(HasErrors({}));
}

TEST(Diagnostic, CaretCountsCodePoints) {
  Source s("'héé' + #");
  ParseResult r = Parse(s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(FormatDiagnostics(s, r.diagnostics),
            "<input>:1:9: error CEL001: Syntax error: token recognition error at: '#'\n | 'héé' + #\n | "
            "........^");
}

TEST(Diagnostic, LongLinesShowAWindowAroundTheCaret) {
  std::string text = std::string(150, 'a') + "#" + std::string(150, 'b');
  Source s(text);
  std::string formatted = FormatDiagnostic(s, {"CEL001", "bad", 150, Severity::kError});
  // 50 code points before the caret are kept, the rest cut on both sides.
  EXPECT_EQ(formatted, "<input>:1:151: error CEL001: bad\n | ..." + std::string(50, 'a') + "#" +
                           std::string(49, 'b') + "...\n | " + std::string(53, '.') + "^");
  // Short lines are shown whole.
  EXPECT_EQ(FormatDiagnostic(Source("x #"), {"CEL001", "bad", 2, Severity::kError}),
            "<input>:1:3: error CEL001: bad\n | x #\n | ..^");
}

}  // namespace
}  // namespace stagegate::cel

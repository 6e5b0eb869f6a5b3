#pragma once
// Source text of one CEL expression and the mapping of its offsets to positions
// a user can find: line and column in the expression or, when the expression is
// embedded in a larger file (a YAML policy), in that file.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stagegate::cel {

// A 1-based line and column. Columns count Unicode code points, not bytes.
struct SourcePosition {
  int32_t line = 0;
  int32_t column = 0;
};

class Source {
 public:
  // Creates a source for `text`, reported as `description` (a file name, or
  // "<input>" for an expression typed on the command line).
  explicit Source(std::string text, std::string description = "<input>");

  // Declares that the expression text starts at `line`:`column` of the file
  // named by description(), and that each later line of the expression starts
  // at column `continuation_column` of its file line (block scalars in YAML
  // indent every line alike). Positions reported afterwards are file positions.
  void SetEmbedding(int32_t line, int32_t column, int32_t continuation_column);

  const std::string& text() const { return text_; }
  const std::string& description() const { return description_; }

  // Returns the position (in the expression, or in the file when embedded) of
  // the byte `offset` of text(). Offsets past the end map to the end.
  SourcePosition PositionOf(int32_t offset) const;

  // Returns the expression line (1-based, in the expression's own numbering)
  // that holds `offset`, without its line break.
  std::string_view LineTextAt(int32_t offset) const;

  // Returns the 1-based column of `offset` within its expression line, in code points.
  int32_t ExpressionColumnOf(int32_t offset) const;

 private:
  std::string text_;
  std::string description_;
  std::vector<int32_t> line_starts_;  // byte offset of each expression line
  bool embedded_ = false;
  int32_t embed_line_ = 1;
  int32_t embed_column_ = 1;
  int32_t embed_continuation_column_ = 1;
};

}  // namespace stagegate::cel

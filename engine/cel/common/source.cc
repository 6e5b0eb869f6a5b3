#include "engine/cel/common/source.h"

#include <algorithm>
#include <utility>

namespace stagegate::cel {
namespace {

// Counts code points in `bytes`: every byte that is not a UTF-8 continuation
// byte starts one. Invalid sequences still count one per lead byte.
int32_t CountCodePoints(std::string_view bytes) {
  int32_t count = 0;
  for (unsigned char c : bytes) {
    if ((c & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace

Source::Source(std::string text, std::string description)
    : text_(std::move(text)), description_(std::move(description)) {
  line_starts_.push_back(0);
  for (size_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(static_cast<int32_t>(i + 1));
  }
}

void Source::SetEmbedding(int32_t line, int32_t column, int32_t continuation_column) {
  embedded_ = true;
  embed_line_ = line;
  embed_column_ = column;
  embed_continuation_column_ = continuation_column;
}

namespace {

int32_t ClampOffset(int32_t offset, size_t size) {
  if (offset < 0) return 0;
  if (static_cast<size_t>(offset) > size) return static_cast<int32_t>(size);
  return offset;
}

// Returns the 0-based index of the line that holds `offset`.
size_t LineIndexOf(const std::vector<int32_t>& line_starts, int32_t offset) {
  auto it = std::upper_bound(line_starts.begin(), line_starts.end(), offset);
  return static_cast<size_t>(it - line_starts.begin()) - 1;
}

}  // namespace

int32_t Source::ExpressionColumnOf(int32_t offset) const {
  offset = ClampOffset(offset, text_.size());
  size_t line = LineIndexOf(line_starts_, offset);
  int32_t start = line_starts_[line];
  return CountCodePoints(std::string_view(text_).substr(start, offset - start)) + 1;
}

SourcePosition Source::PositionOf(int32_t offset) const {
  offset = ClampOffset(offset, text_.size());
  size_t line = LineIndexOf(line_starts_, offset);
  int32_t column = ExpressionColumnOf(offset);
  SourcePosition pos;
  if (!embedded_) {
    pos.line = static_cast<int32_t>(line) + 1;
    pos.column = column;
    return pos;
  }
  pos.line = embed_line_ + static_cast<int32_t>(line);
  pos.column = (line == 0 ? embed_column_ : embed_continuation_column_) + column - 1;
  return pos;
}

std::string_view Source::LineTextAt(int32_t offset) const {
  offset = ClampOffset(offset, text_.size());
  size_t line = LineIndexOf(line_starts_, offset);
  size_t start = static_cast<size_t>(line_starts_[line]);
  size_t end = line + 1 < line_starts_.size() ? static_cast<size_t>(line_starts_[line + 1]) - 1 : text_.size();
  std::string_view view = std::string_view(text_).substr(start, end - start);
  if (!view.empty() && view.back() == '\r') view.remove_suffix(1);
  return view;
}

}  // namespace stagegate::cel

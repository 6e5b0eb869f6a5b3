#pragma once
// Splits CEL source text into tokens (cel-spec doc/langdef.md "Lexical
// Structure"). Literal tokens carry their decoded value; a malformed token
// becomes a kError token with a message, and lexing goes on after it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stagegate::cel::parser_internal {

enum class TokenKind : uint8_t {
  kEof,
  kError,
  kIdent,     // text: the name (reserved words included; the parser decides)
  kEscIdent,  // `a-b`: text is the name between the backquotes
  kInt,       // text: digits as written (sign folding happens in the parser)
  kUint,      // uint_value
  kDouble,    // double_value
  kString,    // text: decoded UTF-8
  kBytes,     // text: decoded octets
  kTrue,
  kFalse,
  kNull,
  kIn,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kLBrace,
  kRBrace,
  kDot,
  kComma,
  kColon,
  kQuestion,
  kNot,
  kMinus,
  kPlus,
  kStar,
  kSlash,
  kPercent,
  kLess,
  kLessEqual,
  kGreater,
  kGreaterEqual,
  kEqual,
  kNotEqual,
  kAnd,
  kOr,
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  int32_t offset = 0;  // byte offset of the first character
  int32_t end = 0;     // byte offset just past the token
  std::string text;
  uint64_t uint_value = 0;
  double double_value = 0;
  bool int_is_hex = false;
};

// Tokenizes `text` completely. The last token is always kEof.
std::vector<Token> Tokenize(std::string_view text);

// Returns the offset of the first byte of `text` that is not part of a valid
// UTF-8 sequence, or -1 when the text is valid UTF-8.
int32_t FindInvalidUtf8(std::string_view text);

// Appends the UTF-8 encoding of `code_point` to `out`.
void AppendUtf8(uint32_t code_point, std::string& out);

}  // namespace stagegate::cel::parser_internal

#include "engine/cel/parser/lexer.h"

#include <cstdlib>
#include <string>

namespace stagegate::cel::parser_internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsIdentStart(char c) { return IsLetter(c) || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || IsDigit(c); }

int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> Run() {
    std::vector<Token> tokens;
    while (true) {
      SkipSpaceAndComments();
      if (pos_ >= text_.size()) break;
      tokens.push_back(Next());
    }
    Token eof;
    eof.kind = TokenKind::kEof;
    eof.offset = eof.end = static_cast<int32_t>(text_.size());
    tokens.push_back(std::move(eof));
    return tokens;
  }

 private:
  char Peek(size_t ahead = 0) const { return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0'; }

  void SkipSpaceAndComments() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
        ++pos_;
      } else if (c == '/' && Peek(1) == '/') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        break;
      }
    }
  }

  Token Make(TokenKind kind, size_t start) {
    Token t;
    t.kind = kind;
    t.offset = static_cast<int32_t>(start);
    t.end = static_cast<int32_t>(pos_);
    return t;
  }

  // Returns a recognition error for the code point at `start` (cel-go's wording).
  Token RecognitionError(size_t start, size_t length) {
    pos_ = start + length;
    Token t = Make(TokenKind::kError, start);
    t.text = "Syntax error: token recognition error at: '" + std::string(text_.substr(start, length)) + "'";
    return t;
  }

  Token ErrorToken(size_t start, std::string message) {
    Token t = Make(TokenKind::kError, start);
    t.text = std::move(message);
    return t;
  }

  Token Next() {
    size_t start = pos_;
    char c = text_[pos_];
    if (IsIdentStart(c)) return LexIdentOrPrefixedString();
    if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) return LexNumber();
    if (c == '"' || c == '\'') return LexString(start, /*raw=*/false, /*bytes=*/false);
    if (c == '`') return LexEscapedIdent();
    ++pos_;
    switch (c) {
      case '(': return Make(TokenKind::kLParen, start);
      case ')': return Make(TokenKind::kRParen, start);
      case '[': return Make(TokenKind::kLBracket, start);
      case ']': return Make(TokenKind::kRBracket, start);
      case '{': return Make(TokenKind::kLBrace, start);
      case '}': return Make(TokenKind::kRBrace, start);
      case '.': return Make(TokenKind::kDot, start);
      case ',': return Make(TokenKind::kComma, start);
      case ':': return Make(TokenKind::kColon, start);
      case '?': return Make(TokenKind::kQuestion, start);
      case '+': return Make(TokenKind::kPlus, start);
      case '-': return Make(TokenKind::kMinus, start);
      case '*': return Make(TokenKind::kStar, start);
      case '/': return Make(TokenKind::kSlash, start);
      case '%': return Make(TokenKind::kPercent, start);
      case '!':
        if (Peek() == '=') {
          ++pos_;
          return Make(TokenKind::kNotEqual, start);
        }
        return Make(TokenKind::kNot, start);
      case '<':
        if (Peek() == '=') {
          ++pos_;
          return Make(TokenKind::kLessEqual, start);
        }
        return Make(TokenKind::kLess, start);
      case '>':
        if (Peek() == '=') {
          ++pos_;
          return Make(TokenKind::kGreaterEqual, start);
        }
        return Make(TokenKind::kGreater, start);
      case '=':
        if (Peek() == '=') {
          ++pos_;
          return Make(TokenKind::kEqual, start);
        }
        break;
      case '&':
        if (Peek() == '&') {
          ++pos_;
          return Make(TokenKind::kAnd, start);
        }
        break;
      case '|':
        if (Peek() == '|') {
          ++pos_;
          return Make(TokenKind::kOr, start);
        }
        break;
      default:
        break;
    }
    // One whole code point, so that the message never splits a UTF-8 sequence.
    size_t length = 1;
    unsigned char lead = static_cast<unsigned char>(c);
    if (lead >= 0xF0) length = 4;
    else if (lead >= 0xE0) length = 3;
    else if (lead >= 0xC0) length = 2;
    if (start + length > text_.size()) length = text_.size() - start;
    return RecognitionError(start, length);
  }

  Token LexIdentOrPrefixedString() {
    size_t start = pos_;
    while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
    std::string_view word = text_.substr(start, pos_ - start);
    char next = Peek();
    if ((next == '"' || next == '\'') && word.size() <= 2) {
      bool raw = false;
      bool bytes = false;
      bool prefix = true;
      for (char p : word) {
        if ((p == 'r' || p == 'R') && !raw) raw = true;
        else if ((p == 'b' || p == 'B') && !bytes) bytes = true;
        else prefix = false;
      }
      if (prefix) return LexString(start, raw, bytes);
    }
    if (word == "true") return Make(TokenKind::kTrue, start);
    if (word == "false") return Make(TokenKind::kFalse, start);
    if (word == "null") return Make(TokenKind::kNull, start);
    if (word == "in") return Make(TokenKind::kIn, start);
    Token t = Make(TokenKind::kIdent, start);
    t.text = std::string(word);
    return t;
  }

  Token LexEscapedIdent() {
    size_t start = pos_;
    ++pos_;
    size_t name_start = pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '`') break;
      if (!(IsIdentChar(c) || c == '.' || c == '-' || c == '/' || c == ' ')) break;
      ++pos_;
    }
    if (pos_ >= text_.size() || text_[pos_] != '`' || pos_ == name_start) {
      return RecognitionError(start, 1);
    }
    Token t = Make(TokenKind::kEscIdent, start);
    t.text = std::string(text_.substr(name_start, pos_ - name_start));
    ++pos_;
    t.end = static_cast<int32_t>(pos_);
    return t;
  }

  Token LexNumber() {
    size_t start = pos_;
    if (Peek() == '0' && Peek(1) == 'x' && IsHexDigit(Peek(2))) {
      pos_ += 2;
      while (IsHexDigit(Peek())) ++pos_;
      std::string digits(text_.substr(start + 2, pos_ - start - 2));
      if (Peek() == 'u' || Peek() == 'U') {
        ++pos_;
        return MakeUint(start, digits, 16);
      }
      Token t = Make(TokenKind::kInt, start);
      t.text = std::move(digits);
      t.int_is_hex = true;
      return t;
    }
    while (IsDigit(Peek())) ++pos_;
    bool is_double = false;
    if (Peek() == '.' && IsDigit(Peek(1))) {
      is_double = true;
      ++pos_;
      while (IsDigit(Peek())) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      size_t exp = 1;
      if (Peek(1) == '+' || Peek(1) == '-') exp = 2;
      if (IsDigit(Peek(exp))) {
        is_double = true;
        pos_ += exp;
        while (IsDigit(Peek())) ++pos_;
      }
    }
    std::string digits(text_.substr(start, pos_ - start));
    if (is_double) {
      Token t = Make(TokenKind::kDouble, start);
      t.double_value = std::strtod(digits.c_str(), nullptr);
      t.text = std::move(digits);
      return t;
    }
    if (Peek() == 'u' || Peek() == 'U') {
      ++pos_;
      return MakeUint(start, digits, 10);
    }
    Token t = Make(TokenKind::kInt, start);
    t.text = std::move(digits);
    return t;
  }

  Token MakeUint(size_t start, const std::string& digits, int base) {
    uint64_t value = 0;
    for (char c : digits) {
      uint64_t d = static_cast<uint64_t>(HexValue(c));
      if (value > (UINT64_MAX - d) / static_cast<uint64_t>(base)) {
        return ErrorToken(start, "invalid uint literal");
      }
      value = value * static_cast<uint64_t>(base) + d;
    }
    Token t = Make(TokenKind::kUint, start);
    t.uint_value = value;
    return t;
  }

  // Lexes a quoted literal whose prefix (r, b, rb...) starts at `start`; pos_
  // is on the opening quote.
  Token LexString(size_t start, bool raw, bool bytes) {
    char quote = text_[pos_];
    bool triple = Peek(1) == quote && Peek(2) == quote;
    pos_ += triple ? 3 : 1;
    std::string value;
    while (true) {
      if (pos_ >= text_.size()) return UnterminatedString(start);
      char c = text_[pos_];
      if (c == quote && (!triple || (Peek(1) == quote && Peek(2) == quote))) {
        pos_ += triple ? 3 : 1;
        break;
      }
      if (!triple && (c == '\n' || c == '\r')) return UnterminatedString(start);
      if (c == '\\') {
        if (raw) {
          // Raw literals keep backslashes, and a backslash cannot escape the quote.
          value += c;
          ++pos_;
          continue;
        }
        std::string error;
        size_t escape_start = pos_;
        if (!DecodeEscape(bytes, value, error)) {
          // Skip to the end of the literal so that lexing resumes sensibly.
          SkipRestOfString(quote, triple);
          return ErrorToken(escape_start, std::move(error));
        }
        continue;
      }
      value += c;
      ++pos_;
    }
    Token t = Make(bytes ? TokenKind::kBytes : TokenKind::kString, start);
    t.text = std::move(value);
    return t;
  }

  void SkipRestOfString(char quote, bool triple) {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\\') {
        pos_ += 2;
        continue;
      }
      if (c == quote && (!triple || (Peek(1) == quote && Peek(2) == quote))) {
        pos_ += triple ? 3 : 1;
        return;
      }
      if (!triple && c == '\n') return;
      ++pos_;
    }
    pos_ = text_.size();
  }

  Token UnterminatedString(size_t start) {
    size_t end = start;
    while (end < text_.size() && text_[end] != '\n' && text_[end] != '\r') ++end;
    pos_ = text_.size();
    return ErrorToken(start, "Syntax error: token recognition error at: '" +
                                 std::string(text_.substr(start, end - start)) + "'");
  }

  // Decodes the escape sequence at pos_ (on the backslash) into `out`.
  bool DecodeEscape(bool bytes, std::string& out, std::string& error) {
    ++pos_;
    if (pos_ >= text_.size()) {
      error = "Syntax error: unterminated escape sequence";
      return false;
    }
    char c = text_[pos_++];
    switch (c) {
      case 'a': out += '\a'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'v': out += '\v'; return true;
      case '\\': case '?': case '"': case '\'': case '`': out += c; return true;
      case 'x': case 'X': case 'u': case 'U': {
        size_t count = (c == 'x' || c == 'X') ? 2 : (c == 'u' ? 4 : 8);
        uint32_t value = 0;
        for (size_t i = 0; i < count; ++i) {
          if (!IsHexDigit(Peek())) {
            error = std::string("Syntax error: invalid escape sequence '\\") + c + "': expected " +
                    std::to_string(count) + " hex digits";
            return false;
          }
          value = value * 16 + static_cast<uint32_t>(HexValue(text_[pos_++]));
        }
        if ((c == 'x' || c == 'X') && bytes) {
          out += static_cast<char>(value);
          return true;
        }
        if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) {
          error = "Syntax error: invalid code point in escape sequence: not a Unicode scalar value";
          return false;
        }
        AppendUtf8(value, out);
        return true;
      }
      default:
        break;
    }
    if (c >= '0' && c <= '3' && Peek() >= '0' && Peek() <= '7' && Peek(1) >= '0' && Peek(1) <= '7') {
      uint32_t value = static_cast<uint32_t>((c - '0') * 64 + (Peek() - '0') * 8 + (Peek(1) - '0'));
      pos_ += 2;
      if (bytes) out += static_cast<char>(value);
      else AppendUtf8(value, out);
      return true;
    }
    error = std::string("Syntax error: invalid escape sequence '\\") + c + "'";
    return false;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int32_t FindInvalidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      cp = c & 0x07;
    } else {
      return static_cast<int32_t>(i);
    }
    if (i + length > text.size()) return static_cast<int32_t>(i);
    for (size_t k = 1; k < length; ++k) {
      unsigned char cc = static_cast<unsigned char>(text[i + k]);
      if ((cc & 0xC0) != 0x80) return static_cast<int32_t>(i);
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((length == 3 && cp < 0x800) || (length == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return static_cast<int32_t>(i);
    }
    i += length;
  }
  return -1;
}

std::vector<Token> Tokenize(std::string_view text) { return Lexer(text).Run(); }

}  // namespace stagegate::cel::parser_internal

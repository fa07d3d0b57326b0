#include "json-vector.h"

#include <charconv>
#include <cmath>
#include <system_error>

namespace rnn {
namespace {

bool isSpace(uint8_t c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool isDigit(uint8_t c) { return c >= '0' && c <= '9'; }

struct Cursor {
  const uint8_t* at;
  const uint8_t* end;

  void skipSpace() {
    while (at < end && isSpace(*at)) at++;
  }
  /** Consumes `c` after optional whitespace. */
  bool take(uint8_t c) {
    skipSpace();
    if (at == end || *at != c) return false;
    at++;
    return true;
  }
  /** A JSON number (-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?) as a finite float, after optional whitespace. */
  bool number(float& value) {
    skipSpace();
    const uint8_t* start = at;
    const uint8_t* p = at;
    if (p < end && *p == '-') p++;
    if (p == end || !isDigit(*p)) return false;
    if (*p == '0') {
      p++;
    } else {
      while (p < end && isDigit(*p)) p++;
    }
    if (p < end && *p == '.') {
      p++;
      if (p == end || !isDigit(*p)) return false;
      while (p < end && isDigit(*p)) p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
      p++;
      if (p < end && (*p == '+' || *p == '-')) p++;
      if (p == end || !isDigit(*p)) return false;
      while (p < end && isDigit(*p)) p++;
    }
    double parsed;
    const auto result = std::from_chars(reinterpret_cast<const char*>(start), reinterpret_cast<const char*>(p), parsed);
    // out_of_range: beyond a double (JSON.parse says Infinity) or below its subnormals (0 there):
    // both are left to the full path, which knows what to answer.
    if (result.ec != std::errc() || result.ptr != reinterpret_cast<const char*>(p)) return false;
    value = static_cast<float>(parsed);
    if (!std::isfinite(value)) return false;
    at = p;
    return true;
  }
};

}  // namespace

bool parseJsonVector(const uint8_t* bytes, size_t length, float* out, size_t capacity) {
  Cursor c{bytes, bytes + length};
  if (!c.take('{') || !c.take('"') || c.end - c.at < 2 || c.at[0] != 'x' || c.at[1] != '"') return false;
  c.at += 2;
  if (!c.take(':') || !c.take('[')) return false;
  size_t count = 0;
  c.skipSpace();
  if (c.at < c.end && *c.at == ']') return false;  // [] is an error the full path words
  for (;;) {
    if (count == capacity) return false;
    if (!c.number(out[count])) return false;
    count++;
    if (c.take(',')) continue;
    if (c.take(']')) break;
    return false;
  }
  if (!c.take('}')) return false;
  c.skipSpace();
  return c.at == c.end && count == capacity;
}

}  // namespace rnn

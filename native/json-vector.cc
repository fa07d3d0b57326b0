#include "json-vector.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
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

namespace {

/** After the opening quote: the key "x" or "expected_t" and its closing quote; 0 for any other key. */
int memberKey(Cursor& c) {
  static constexpr char X[] = "x\"";
  static constexpr char EXPECTED_T[] = "expected_t\"";
  for (const char* key : {X, EXPECTED_T}) {
    const size_t n = std::char_traits<char>::length(key);
    if (static_cast<size_t>(c.end - c.at) >= n && std::memcmp(c.at, key, n) == 0) {
      c.at += n;
      return key == X ? 1 : 2;
    }
  }
  return 0;
}

/** [n, ...] with exactly capacity finite float32 values, into out. */
bool vector(Cursor& c, float* out, size_t capacity) {
  if (!c.take('[')) return false;
  c.skipSpace();
  if (c.at < c.end && *c.at == ']') return false;  // [] is an error the full path words
  size_t count = 0;
  for (;;) {
    if (count == capacity || !c.number(out[count])) return false;
    count++;
    if (c.take(',')) continue;
    return c.take(']') && count == capacity;
  }
}

/** A plain non-negative integer of at most 15 digits (a safe integer; 0 or no leading zero). */
bool smallInteger(Cursor& c, double& value) {
  c.skipSpace();
  const uint8_t* start = c.at;
  uint64_t n = 0;
  while (c.at < c.end && isDigit(*c.at) && c.at - start < 16) n = n * 10 + (*c.at++ - '0');
  const ptrdiff_t digits = c.at - start;
  if (digits == 0 || digits > 15 || (digits > 1 && *start == '0')) return false;
  // A fraction or an exponent (3.0, 3e0) is left to the full path.
  if (c.at < c.end && (*c.at == '.' || *c.at == 'e' || *c.at == 'E')) return false;
  value = static_cast<double>(n);
  return true;
}

}  // namespace

double parseJsonVector(const uint8_t* bytes, size_t length, float* out, size_t capacity) {
  Cursor c{bytes, bytes + length};
  bool sawX = false, sawExpectedT = false;
  double expectedT = -1;
  if (!c.take('{')) return NOT_THIS_SHAPE;
  do {
    if (!c.take('"')) return NOT_THIS_SHAPE;
    const int key = memberKey(c);
    if (key == 0 || !c.take(':')) return NOT_THIS_SHAPE;
    if (key == 1) {
      if (sawX || !vector(c, out, capacity)) return NOT_THIS_SHAPE;
      sawX = true;
    } else {
      if (sawExpectedT || !smallInteger(c, expectedT)) return NOT_THIS_SHAPE;
      sawExpectedT = true;
    }
  } while (c.take(','));
  if (!c.take('}') || !sawX) return NOT_THIS_SHAPE;
  c.skipSpace();
  if (c.at != c.end) return NOT_THIS_SHAPE;
  return sawExpectedT ? expectedT : NO_EXPECTED_T;
}

}  // namespace rnn

#include "float-json.h"

#include <cstring>

#include "float-shortest.h"

namespace rnn {

namespace {

// "00" .. "99": two digits per lookup.
constexpr char DIGIT_PAIRS[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

inline void writePair(char* o, uint32_t pair) { std::memcpy(o, DIGIT_PAIRS + 2 * pair, 2); }

/** Decimal digits in m (1 <= m < 10^9). */
inline int digitCount(uint32_t m) {
  return 1 + (m >= 10) + (m >= 100) + (m >= 1000) + (m >= 10000) + (m >= 100000) + (m >= 1000000) +
         (m >= 10000000) + (m >= 100000000);
}

}  // namespace

size_t writeFloatJson(char* out, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  const uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude >= 0x7f800000u) {
    std::memcpy(out, "null", 4);
    return 4;
  }
  char* o = out;
  if (bits >> 31) *o++ = '-';
  if (magnitude == 0) {
    *o++ = '0';
    return static_cast<size_t>(o - out);
  }
  const FloatDecimal decimal = shortestFloatDecimal(magnitude);
  const uint32_t m = decimal.digits;
  const int k = digitCount(m);
  // All 9 places of m (leading zeros included), then '0's: its k digits start at
  // padded + 9 - k and are followed by zeros, so fixed-size copies of up to 9 digits may run
  // past the last one (and the copies never reach past out + FLOAT_JSON_MAX).
  char padded[18];
  const uint32_t high = m / 100000000;
  const uint32_t low = m - high * 100000000;
  const uint32_t low4 = low / 10000;
  const uint32_t low8 = low - low4 * 10000;
  padded[0] = static_cast<char>('0' + high);
  writePair(padded + 1, low4 / 100);
  writePair(padded + 3, low4 % 100);
  writePair(padded + 5, low8 / 100);
  writePair(padded + 7, low8 % 100);
  std::memset(padded + 9, '0', 9);
  const char* digits = padded + 9 - k;
  // ECMAScript Number::toString: n is the position of the decimal point after the k digits.
  const int n = decimal.exponent + k;
  if (0 < n && n <= 21) {
    if (k <= n) {
      // An integer: the digits, then n - k zeros (at most 21 places: out has 22 after the sign).
      std::memset(o, '0', 21);
      std::memcpy(o, digits, 9);
      o += n;
    } else {
      // d.ddd with n < k <= 9 digits before the point.
      std::memcpy(o, digits, 9);
      o[n] = '.';
      std::memcpy(o + n + 1, digits + n, 8);
      o += k + 1;
    }
  } else if (-6 < n && n <= 0) {
    // 0.000ddd: at most 5 zeros after the point.
    std::memcpy(o, "0.00000", 8);
    std::memcpy(o + 2 - n, digits, 9);
    o += 2 - n + k;
  } else {
    // d[.ddd]e±x: exponents of a float32 have at most 2 digits.
    *o = digits[0];
    if (k > 1) {
      o[1] = '.';
      std::memcpy(o + 2, digits + 1, 8);
      o += k + 1;
    } else {
      o += 1;
    }
    const int e = n - 1;
    *o++ = 'e';
    *o++ = e < 0 ? '-' : '+';
    const uint32_t a = static_cast<uint32_t>(e < 0 ? -e : e);
    if (a >= 10) {
      writePair(o, a);
      o += 2;
    } else {
      *o++ = static_cast<char>('0' + a);
    }
  }
  return static_cast<size_t>(o - out);
}

namespace {
char* writeRow(char* o, const float* values, size_t cols) {
  *o++ = '[';
  for (size_t j = 0; j < cols; j++) {
    if (j > 0) *o++ = ',';
    o += writeFloatJson(o, values[j]);
  }
  *o++ = ']';
  return o;
}
}  // namespace

size_t writeFloatJsonMatrix(char* out, const float* values, size_t rows, size_t cols) {
  char* o = out;
  if (rows == 0) {
    o = writeRow(o, values, cols);
  } else {
    *o++ = '[';
    for (size_t r = 0; r < rows; r++) {
      if (r > 0) *o++ = ',';
      o = writeRow(o, values + r * cols, cols);
    }
    *o++ = ']';
  }
  return static_cast<size_t>(o - out);
}

}  // namespace rnn

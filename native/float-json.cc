#include "float-json.h"

#include <cstring>

#include "float-shortest.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "float-json.cc stores digits eight at a time, the first in the lowest byte: little-endian only"
#endif

namespace rnn {

namespace {

constexpr uint64_t ZEROS = 0x3030303030303030u;  // "00000000"

inline void store8(char* o, uint64_t eight) { std::memcpy(o, &eight, 8); }

/** Decimal digits in m (1 <= m < 10^9). */
inline int digitCount(uint32_t m) {
  return 1 + (m >= 10) + (m >= 100) + (m >= 1000) + (m >= 10000) + (m >= 100000) + (m >= 1000000) +
         (m >= 10000000) + (m >= 100000000);
}

/** The 8 digits of x < 10^8 (leading zeros included) as ASCII, the first in the lowest byte. */
inline uint64_t eightDigits(uint32_t x) {
  // Split in lanes without leaving registers: 4 + 4 digits in 32-bit lanes, 2 in 16, 1 in 8.
  const uint32_t high4 = x / 10000;
  uint64_t y = high4 | (static_cast<uint64_t>(x - high4 * 10000) << 32);
  uint64_t z = ((y * 10486) >> 20) & 0x0000007f0000007fu;  // lane / 100, exact below 10^4
  y = z | ((y - z * 100) << 16);
  z = ((y * 103) >> 10) & 0x000f000f000f000fu;  // lane / 10, exact below 100
  y = z | ((y - z * 10) << 8);
  return y | ZEROS;
}

/** The shortest decimal of a float32 given by its bits when finite and not zero, else unused. */
inline FloatDecimal decimalOf(uint32_t bits) {
  const uint32_t magnitude = bits & 0x7fffffffu;
  return magnitude != 0 && magnitude < 0x7f800000u ? shortestFloatDecimal(magnitude) : FloatDecimal{0, 0};
}

/** Writes the float32 given by its bits, its decimal from decimalOf(bits); returns the bytes. */
inline size_t writeValue(char* out, uint32_t bits, FloatDecimal decimal) {
  const uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude >= 0x7f800000u) {
    std::memcpy(out, "null", 4);
    return 4;
  }
  // The sign without a branch: a row's signs are as unpredictable as its values.
  out[0] = '-';
  char* o = out + (bits >> 31);
  if (magnitude == 0) {
    *o++ = '0';
    return static_cast<size_t>(o - out);
  }
  const uint32_t m = decimal.digits;
  const int k = digitCount(m);
  // The k digits as text held in registers (the first 8 in `head`, a 9th in `ninth`) and written
  // with 8-byte stores, never through a buffer read back: a load spanning several small stores
  // waits for all of them (no store forwarding), which cost more than making the digits. Bytes
  // past the k-th may be written too, never counted (they stay inside out's FLOAT_JSON_MAX).
  const uint32_t first = m / 100000000;
  const uint64_t last8 = eightDigits(m - first * 100000000);
  const bool nine = k == 9;
  uint64_t head = nine ? ('0' + first) | (last8 << 8) : last8 >> (8 * ((8 - k) & 7));
  const char ninth = nine ? static_cast<char>(last8 >> 56) : '0';
  // ECMAScript Number::toString: n is the position of the decimal point after the k digits.
  const int n = decimal.exponent + k;
  if (0 < n && n <= 21) {
    if (k <= n) {
      // An integer: the digits, then n - k zeros (at most 21 places: out has 22 after the sign).
      if (k < 8) head |= ZEROS << (8 * k);
      store8(o, ZEROS);
      store8(o + 8, ZEROS);
      store8(o + 13, ZEROS);
      store8(o, head);
      o[8] = ninth;
      o += n;
    } else {
      // d.ddd with n < k <= 9 digits before the point, and the k - n <= 8 after it.
      store8(o, head);
      o[n] = '.';
      const uint64_t ninthByte = static_cast<unsigned char>(ninth);
      store8(o + n + 1, (n < 8 ? head >> (8 * n) : 0) | (ninthByte << (8 * (8 - n))));
      o += k + 1;
    }
  } else if (-6 < n && n <= 0) {
    // 0.000ddd: at most 5 zeros after the point.
    std::memcpy(o, "0.00000", 8);
    o += 2 - n;
    store8(o, head);
    o[8] = ninth;
    o += k;
  } else {
    // d[.ddd]e±x: exponents of a float32 have at most 2 digits.
    *o = static_cast<char>(head);
    if (k > 1) {
      o[1] = '.';
      const uint64_t ninthByte = static_cast<unsigned char>(ninth);
      store8(o + 2, (head >> 8) | (ninthByte << 56));
      o += k + 1;
    } else {
      o += 1;
    }
    const int e = n - 1;
    *o++ = 'e';
    *o++ = e < 0 ? '-' : '+';
    const uint32_t a = static_cast<uint32_t>(e < 0 ? -e : e);
    if (a >= 10) {
      o[0] = static_cast<char>('0' + a / 10);
      o[1] = static_cast<char>('0' + a % 10);
      o += 2;
    } else {
      *o++ = static_cast<char>('0' + a);
    }
  }
  return static_cast<size_t>(o - out);
}

}  // namespace

size_t writeFloatJson(char* out, float v) {
  uint32_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return writeValue(out, bits, decimalOf(bits));
}

namespace {

/**
 * A row in chunks: first the decimals of a chunk's values, then their text. Where each value's
 * text goes depends on the lengths of all before it, so writing a value as soon as its decimal
 * is made would put every decimal's latency on that chain; made apart, they overlap.
 */
char* writeRow(char* o, const float* values, size_t cols) {
  constexpr size_t CHUNK = 32;
  uint32_t bits[CHUNK];
  FloatDecimal decimals[CHUNK];
  *o++ = '[';
  for (size_t start = 0; start < cols; start += CHUNK) {
    const size_t count = cols - start < CHUNK ? cols - start : CHUNK;
    std::memcpy(bits, values + start, count * sizeof(float));
    for (size_t i = 0; i < count; i++) decimals[i] = decimalOf(bits[i]);
    for (size_t i = 0; i < count; i++) {
      if (start + i > 0) *o++ = ',';
      o += writeValue(o, bits[i], decimals[i]);
    }
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

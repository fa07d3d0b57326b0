#include "float-json.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace rnn {

size_t writeFloatJson(char* out, float v) {
  if (!std::isfinite(v)) {
    std::memcpy(out, "null", 4);
    return 4;
  }
  if (v == 0) {
    if (std::signbit(v)) {
      std::memcpy(out, "-0", 2);
      return 2;
    }
    out[0] = '0';
    return 1;
  }
  // Shortest round-trip digits in scientific form: [-]d[.ddd]e±XX.
  char sci[32];
  const std::to_chars_result done = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  const char* p = sci;
  char* o = out;
  if (*p == '-') {
    *o++ = '-';
    p++;
  }
  char digits[12];
  int k = 0;
  for (; p < done.ptr && *p != 'e'; p++) {
    if (*p != '.') digits[k++] = *p;
  }
  int exponent = 0;
  const std::from_chars_result read = std::from_chars(p + 1 + (p[1] == '+'), done.ptr, exponent);
  (void)read;
  // ECMAScript Number::toString: n is the position of the decimal point after the k digits.
  const int n = exponent + 1;
  if (k <= n && n <= 21) {
    std::memcpy(o, digits, k);
    o += k;
    for (int i = k; i < n; i++) *o++ = '0';
  } else if (0 < n && n <= 21) {
    std::memcpy(o, digits, n);
    o += n;
    *o++ = '.';
    std::memcpy(o, digits + n, k - n);
    o += k - n;
  } else if (-6 < n && n <= 0) {
    *o++ = '0';
    *o++ = '.';
    for (int i = 0; i < -n; i++) *o++ = '0';
    std::memcpy(o, digits, k);
    o += k;
  } else {
    *o++ = digits[0];
    if (k > 1) {
      *o++ = '.';
      std::memcpy(o, digits + 1, k - 1);
      o += k - 1;
    }
    *o++ = 'e';
    *o++ = n - 1 < 0 ? '-' : '+';
    o = std::to_chars(o, o + 4, n - 1 < 0 ? 1 - n : n - 1).ptr;
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

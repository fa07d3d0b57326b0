// Exhaustive check of native/float-json.cc: writeFloatJson against the implementation it replaced
// (std::to_chars in scientific form, then the text re-scanned and laid out; copied below as
// oldWriteFloatJson), byte for byte, over all 2^32 float bit patterns. Not part of CI: it takes a
// few minutes on one core. Run it from the repository root:
//
//   g++ -std=c++17 -O2 -Inative scripts/check-float-json-exhaustive.cc native/float-json.cc -o /tmp/check-float-json
//   nice /tmp/check-float-json
//
// Blocks of 96 consecutive patterns are also written as rows by writeFloatJsonMatrix and compared
// with the old writer's values joined. It prints the number of mismatches (the first few single
// ones in full) and exits 1 if there is any.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "float-json.h"

namespace {

size_t oldWriteFloatJson(char* out, float v) {
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

}  // namespace

/** Whole rows as writeFloatJsonMatrix writes them, against the old writer's values joined. */
uint64_t checkMatrix(const float* values, size_t count, bool twoRows) {
  static char expected[96 * 32 + 16];
  static char got[96 * 32 + 16];
  const size_t rows = twoRows ? 2 : 0;
  const size_t cols = twoRows ? count / 2 : count;
  char* e = expected;
  *e++ = '[';
  for (size_t r = 0; r < (twoRows ? 2u : 1u); r++) {
    if (r > 0) *e++ = ',';
    if (twoRows) *e++ = '[';
    for (size_t j = 0; j < cols; j++) {
      if (j > 0) *e++ = ',';
      e += oldWriteFloatJson(e, values[r * cols + j]);
    }
    if (twoRows) *e++ = ']';
  }
  *e++ = ']';
  const size_t ne = static_cast<size_t>(e - expected);
  const size_t ng = rnn::writeFloatJsonMatrix(got, values, rows, cols);
  if (ng == ne && std::memcmp(got, expected, ne) == 0 && ng <= rnn::floatJsonCapacity(rows, cols)) return 0;
  uint32_t first;
  std::memcpy(&first, values, sizeof first);
  std::printf("matrix mismatch in the block from 0x%08x (%zu x %zu)\n", first, rows, cols);
  return 1;
}

int main() {
  uint64_t mismatches = 0;
  uint64_t bytes = 0;
  // Guard bytes after each answer: a write past FLOAT_JSON_MAX counts as a mismatch too.
  constexpr size_t GUARD = 16;
  char a[rnn::FLOAT_JSON_MAX + GUARD];
  char b[rnn::FLOAT_JSON_MAX + GUARD];
  // Blocks of 96 consecutive bit patterns also go through writeFloatJsonMatrix, as one row or
  // two of 48 (rows are written in chunks of 32: full and partial ones).
  constexpr size_t BLOCK = 96;
  float block[BLOCK];
  size_t inBlock = 0;
  uint64_t blocks = 0;
  uint64_t matrixMismatches = 0;
  for (uint64_t i = 0; i <= 0xffffffffu; i++) {
    const uint32_t bits = static_cast<uint32_t>(i);
    float v;
    std::memcpy(&v, &bits, sizeof v);
    block[inBlock++] = v;
    if (inBlock == BLOCK || i == 0xffffffffu) {
      matrixMismatches += checkMatrix(block, inBlock, (blocks & 1) != 0 && inBlock % 2 == 0);
      blocks++;
      inBlock = 0;
    }
    std::memset(b + rnn::FLOAT_JSON_MAX, 0x5a, GUARD);
    const size_t na = oldWriteFloatJson(a, v);
    const size_t nb = rnn::writeFloatJson(b, v);
    bytes += nb;
    bool guardOk = true;
    for (size_t g = 0; g < GUARD; g++) guardOk &= b[rnn::FLOAT_JSON_MAX + g] == 0x5a;
    if (na != nb || std::memcmp(a, b, na) != 0 || !guardOk || nb > rnn::FLOAT_JSON_MAX - 1) {
      if (mismatches < 20) {
        std::printf("mismatch 0x%08x: old \"%.*s\" new \"%.*s\"%s\n", bits, static_cast<int>(na), a,
                    static_cast<int>(nb), b, guardOk ? "" : " (wrote past FLOAT_JSON_MAX)");
      }
      mismatches++;
    }
    if ((bits & 0x0fffffffu) == 0x0fffffffu) {
      std::fprintf(stderr, "%u/16 done, %llu mismatches\n", (bits >> 28) + 1, static_cast<unsigned long long>(mismatches));
    }
  }
  std::printf("%llu bit patterns, %llu mismatches, %llu bytes written; %llu blocks as matrices, %llu mismatches\n",
              1ull << 32, static_cast<unsigned long long>(mismatches), static_cast<unsigned long long>(bytes),
              static_cast<unsigned long long>(blocks), static_cast<unsigned long long>(matrixMismatches));
  return mismatches == 0 && matrixMismatches == 0 ? 0 : 1;
}

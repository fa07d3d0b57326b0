// float32 values as JSON numbers: the shortest decimal that reads back as the same float32 (the
// closest such decimal, ties to even digits), laid out as JavaScript's Number.prototype.toString
// lays out those digits (plain between 1e-7 and 1e21, else d.ddde±n), so a client's JSON parser,
// rounded to float32, gets the exact bits. -0 prints as -0; a non-finite value (which the service
// never answers) prints as null, as JSON.stringify does.
//
// The digits come straight from Ryu's f2s (native/float-shortest.h) as an integer and a power of
// ten and go into the output from registers, with no text in between; they are the digits
// std::to_chars(float, std::chars_format::scientific) gives, whose text an earlier version
// re-scanned. A row makes its values' decimals a chunk at a time before writing them, so that
// they overlap instead of queueing behind each value's position.
// scripts/check-float-json-exhaustive.cc compares this writer (single values and rows) with that
// earlier one, byte for byte, over all 2^32 float bit patterns (how to run it is at its top).
#pragma once

#include <cstddef>
#include <cstdint>

namespace rnn {

/**
 * Bytes one value may take with its comma: the longest text is a value in [1e20, 1e21), which
 * JavaScript's layout prints in full ("-123456790000000000000", 22 bytes); the scientific form
 * ("-1.17549435e-38") and small fixed ones ("-0.00000123456789") are shorter. The JavaScript side
 * sizes its buffer from this (floatJsonBytesPerValue), so an answer can never outgrow it.
 */
constexpr size_t FLOAT_JSON_MAX = 23;

/** Writes v at out (at least FLOAT_JSON_MAX bytes); returns the number of bytes written. */
size_t writeFloatJson(char* out, float v);

/**
 * Writes values[0 .. rows*cols) as JSON: one array "[v,...]" when rows is 0 (cols values), else
 * "[[...],[...]]" of `rows` rows. `out` holds floatJsonCapacity(rows, cols) bytes; returns the
 * bytes written.
 */
size_t writeFloatJsonMatrix(char* out, const float* values, size_t rows, size_t cols);

inline size_t floatJsonCapacity(size_t rows, size_t cols) {
  const size_t r = rows == 0 ? 1 : rows;
  return r * (cols * FLOAT_JSON_MAX + 3) + 2;
}

}  // namespace rnn

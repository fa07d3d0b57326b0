// The stream's commonest message, {"x": [v, ...]} with or without "expected_t" (the clients in
// clients/ send it with every step), read straight from the frame's bytes into float32
// (src/stream/fast-element.ts). It reads only that exact shape, in strict JSON (RFC 8259:
// whitespace, the number grammar, each key once), and says "not this shape" for anything else, so
// the caller gives the frame to JSON.parse and the full checks: a message it reads is read as
// JSON.parse would read it, and every other message is answered exactly as before.
//
// The values: std::from_chars gives the double nearest to the decimal (correct rounding, as
// JSON.parse), and the cast to float rounds that double to nearest-even, as storing it into a
// Float32Array does. A value that does not fit a double's or a float's finite range is "not this
// shape" too: the full path then answers its error.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rnn {

constexpr double NOT_THIS_SHAPE = -1;
constexpr double NO_EXPECTED_T = -2;

/**
 * Parses bytes[0..length) as exactly {"x":[n0,...,n(capacity-1)]}, every value finite in float32,
 * with an optional "expected_t" (a plain integer of at most 15 digits) in either order, writing
 * the values to out. Returns the expected_t, NO_EXPECTED_T when there is none, or NOT_THIS_SHAPE
 * (out may then have been partly written).
 */
double parseJsonVector(const uint8_t* bytes, size_t length, float* out, size_t capacity);

}  // namespace rnn

// The stream's commonest message, {"x": [v, ...]}, read straight from the frame's bytes into
// float32 (src/stream/fast-element.ts). It reads only that exact shape, in strict JSON (RFC 8259:
// whitespace, the number grammar, one key "x"), and says "not this shape" for anything else, so
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

/**
 * Parses bytes[0..length) as exactly {"x":[n0,...,n(count-1)]} with count == capacity and every
 * value finite in float32, writing the values to out; returns true when it did. On false, out may
 * have been partly written.
 */
bool parseJsonVector(const uint8_t* bytes, size_t length, float* out, size_t capacity);

}  // namespace rnn

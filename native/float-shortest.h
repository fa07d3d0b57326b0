// The shortest decimal that reads back as a given float32, as an integer and a power of ten, with
// no text in between: Ryu's f2s (Ulf Adams, "Ryū: fast float-to-string conversion", PLDI 2018).
// Among several shortest decimals it picks the closest to the value, a tie going to the even last
// digit: the digits libstdc++'s std::to_chars(float, std::chars_format::scientific) prints, which
// it computes with the same algorithm (scripts/check-float-json-exhaustive.cc compares the two
// over every float32 bit pattern).
#pragma once

#include <cstdint>

namespace rnn {

struct FloatDecimal {
  uint32_t digits;   // at most 9 decimal digits, never 0
  int32_t exponent;  // the value's magnitude is digits * 10^exponent
};

/** The shortest decimal of the magnitude of a finite, non-zero float32 given by its bits. */
FloatDecimal shortestFloatDecimal(uint32_t bits);

}  // namespace rnn

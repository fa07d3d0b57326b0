// Exact conversions between float32 and IEEE half / bfloat16, for weights whose values a package
// stored in 16 bits: the native engine keeps such weights in 16 bits (half the memory traffic)
// and widens them in the kernels, which gives the very same float32 values.
#pragma once

#include <cstdint>
#include <cstring>

namespace rnn {

inline float bitsToFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline uint32_t floatToBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

inline float halfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {
    // zero or subnormal: mantissa * 2^-24, exact in float (at most 10 significant bits)
    return bitsToFloat(floatToBits(static_cast<float>(mantissa) * 5.9604644775390625e-8f) | sign);
  }
  if (exponent == 31) return bitsToFloat(sign | 0x7f800000u | (mantissa << 13));
  return bitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

inline float bfloat16ToFloat(uint16_t b) { return bitsToFloat(static_cast<uint32_t>(b) << 16); }

/** The half with exactly this value, if there is one (finite values only). */
inline bool exactHalf(float v, uint16_t* out) {
  const uint32_t bits = floatToBits(v);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t field = (bits >> 23) & 0xffu;
  const uint32_t mantissa = bits & 0x7fffffu;
  if (field == 0xff) return false;
  if ((bits & 0x7fffffffu) == 0) {
    *out = static_cast<uint16_t>(sign);
    return true;
  }
  if (field == 0) return false;  // float32 subnormals are below the smallest half
  const int exponent = static_cast<int>(field) - 127;
  uint16_t h;
  if (exponent >= -14 && exponent <= 15) {
    if (mantissa & 0x1fffu) return false;
    h = static_cast<uint16_t>(sign | static_cast<uint32_t>(exponent + 15) << 10 | mantissa >> 13);
  } else if (exponent >= -24 && exponent < -14) {
    const int shift = -exponent - 1;  // 13 bits dropped at exponent -14, one more per step below
    const uint32_t full = 0x800000u | mantissa;
    if (full & ((1u << shift) - 1)) return false;
    h = static_cast<uint16_t>(sign | full >> shift);
  } else {
    return false;
  }
  if (floatToBits(halfToFloat(h)) != bits) return false;  // belt and braces: only exact values
  *out = h;
  return true;
}

/** The bfloat16 with exactly this value, if there is one (finite values only). */
inline bool exactBfloat16(float v, uint16_t* out) {
  const uint32_t bits = floatToBits(v);
  if (((bits >> 23) & 0xffu) == 0xff || (bits & 0xffffu) != 0) return false;
  *out = static_cast<uint16_t>(bits >> 16);
  return true;
}

}  // namespace rnn

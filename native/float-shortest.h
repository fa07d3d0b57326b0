// The shortest decimal that reads back as a given float32, as an integer and a power of ten, with
// no text in between: Ryu's f2s (Ulf Adams, "Ryū: fast float-to-string conversion", PLDI 2018).
// Among several shortest decimals it picks the closest to the value, a tie going to the even last
// digit: the digits libstdc++'s std::to_chars(float, std::chars_format::scientific) prints, which
// it computes with the same algorithm (scripts/check-float-json-exhaustive.cc compares the two
// over every float32 bit pattern).
//
// Restated from github.com/ulfjack/ryu (ryu/f2s.c, Apache-2.0 / Boost): the float32 m2 * 2^e2 is
// bracketed by the halfway points to its neighbours, all three are scaled by a power of ten into
// 32-bit integers (one 32 x 64-bit multiply each, from the tables below), and decimal digits are
// removed while the bracket still holds a shorter decimal. The tables are the floats' own (31 and
// 48 entries): 2^k / 5^q rounded up and 5^i truncated, to 59 and 61 bits.
//
// Header only, inline: it runs once per value, and an out-of-line call cost about a tenth of the
// time of a value.
#pragma once

#include <cstdint>

namespace rnn {

struct FloatDecimal {
  uint32_t digits;   // at most 9 decimal digits, never 0
  int32_t exponent;  // the value's magnitude is digits * 10^exponent
};

namespace shortest_detail {

constexpr int MANTISSA_BITS = 23;
constexpr int BIAS = 127;
constexpr int POW5_INV_BITCOUNT = 59;
constexpr int POW5_BITCOUNT = 61;

// floor(2^(pow5bits(q) - 1 + 59) / 5^q) + 1, q = 0..30.
inline constexpr uint64_t POW5_INV_SPLIT[31] = {
    576460752303423489u, 461168601842738791u, 368934881474191033u, 295147905179352826u,
    472236648286964522u, 377789318629571618u, 302231454903657294u, 483570327845851670u,
    386856262276681336u, 309485009821345069u, 495176015714152110u, 396140812571321688u,
    316912650057057351u, 507060240091291761u, 405648192073033409u, 324518553658426727u,
    519229685853482763u, 415383748682786211u, 332306998946228969u, 531691198313966350u,
    425352958651173080u, 340282366920938464u, 544451787073501542u, 435561429658801234u,
    348449143727040987u, 557518629963265579u, 446014903970612463u, 356811923176489971u,
    570899077082383953u, 456719261665907162u, 365375409332725730u,
};

// 5^i scaled to 61 bits (shifted right by pow5bits(i) - 61, or left when that is negative),
// i = 0..47 (i + 1 reaches 47 for the smallest subnormals).
inline constexpr uint64_t POW5_SPLIT[48] = {
    1152921504606846976u, 1441151880758558720u, 1801439850948198400u, 2251799813685248000u,
    1407374883553280000u, 1759218604441600000u, 2199023255552000000u, 1374389534720000000u,
    1717986918400000000u, 2147483648000000000u, 1342177280000000000u, 1677721600000000000u,
    2097152000000000000u, 1310720000000000000u, 1638400000000000000u, 2048000000000000000u,
    1280000000000000000u, 1600000000000000000u, 2000000000000000000u, 1250000000000000000u,
    1562500000000000000u, 1953125000000000000u, 1220703125000000000u, 1525878906250000000u,
    1907348632812500000u, 1192092895507812500u, 1490116119384765625u, 1862645149230957031u,
    1164153218269348144u, 1455191522836685180u, 1818989403545856475u, 2273736754432320594u,
    1421085471520200371u, 1776356839400250464u, 2220446049250313080u, 1387778780781445675u,
    1734723475976807094u, 2168404344971008868u, 1355252715606880542u, 1694065894508600678u,
    2117582368135750847u, 1323488980084844279u, 1654361225106055349u, 2067951531382569187u,
    1292469707114105741u, 1615587133892632177u, 2019483917365790221u, 1262177448353618888u,
};

/** ceil(log2(5^e)) for e in 1..3528, and 1 for e = 0. */
inline int32_t pow5bits(int32_t e) {
  return static_cast<int32_t>(((static_cast<uint32_t>(e) * 1217359) >> 19) + 1);
}

/** floor(log10(2^e)) for e in 0..1650. */
inline uint32_t log10Pow2(int32_t e) { return (static_cast<uint32_t>(e) * 78913) >> 18; }

/** floor(log10(5^e)) for e in 0..2620. */
inline uint32_t log10Pow5(int32_t e) { return (static_cast<uint32_t>(e) * 732923) >> 20; }

inline uint32_t pow5Factor(uint32_t value) {
  uint32_t count = 0;
  for (;;) {
    const uint32_t q = value / 5;
    if (value - 5 * q != 0) break;
    value = q;
    count++;
  }
  return count;
}

inline bool multipleOfPowerOf5(uint32_t value, uint32_t p) { return pow5Factor(value) >= p; }

inline bool multipleOfPowerOf2(uint32_t value, uint32_t p) { return (value & ((1u << p) - 1)) == 0; }

/** (m * factor) >> shift, shift > 32, without a 128-bit product. */
inline uint32_t mulShift(uint32_t m, uint64_t factor, int32_t shift) {
  const uint64_t bits0 = static_cast<uint64_t>(m) * static_cast<uint32_t>(factor);
  const uint64_t bits1 = static_cast<uint64_t>(m) * static_cast<uint32_t>(factor >> 32);
  const uint64_t sum = (bits0 >> 32) + bits1;
  return static_cast<uint32_t>(sum >> (shift - 32));
}

inline uint32_t mulPow5InvDivPow2(uint32_t m, uint32_t q, int32_t j) { return mulShift(m, POW5_INV_SPLIT[q], j); }

inline uint32_t mulPow5DivPow2(uint32_t m, uint32_t i, int32_t j) { return mulShift(m, POW5_SPLIT[i], j); }

}  // namespace shortest_detail

/** The shortest decimal of the magnitude of a finite, non-zero float32 given by its bits. */
inline FloatDecimal shortestFloatDecimal(uint32_t bits) {
  using namespace shortest_detail;
  const uint32_t ieeeMantissa = bits & ((1u << MANTISSA_BITS) - 1);
  const uint32_t ieeeExponent = (bits >> MANTISSA_BITS) & 0xff;
  int32_t e2;
  uint32_t m2;
  if (ieeeExponent == 0) {
    e2 = 1 - BIAS - MANTISSA_BITS - 2;
    m2 = ieeeMantissa;
  } else {
    e2 = static_cast<int32_t>(ieeeExponent) - BIAS - MANTISSA_BITS - 2;
    m2 = (1u << MANTISSA_BITS) | ieeeMantissa;
  }
  // The bounds are in the interval (round-trip to this float) when m2 is even: ties to even.
  const bool acceptBounds = (m2 & 1) == 0;

  // The value and its halfway points, times 4 (e2 took the 2 bits); the lower one is nearer when
  // the mantissa is 0 (a power of two, the float below is half as far).
  const uint32_t mv = 4 * m2;
  const uint32_t mp = 4 * m2 + 2;
  const uint32_t mmShift = ieeeMantissa != 0 || ieeeExponent <= 1;
  const uint32_t mm = 4 * m2 - 1 - mmShift;

  uint32_t vr, vp, vm;
  int32_t e10;
  bool vmIsTrailingZeros = false;
  bool vrIsTrailingZeros = false;
  uint32_t lastRemovedDigit = 0;
  if (e2 >= 0) {
    const uint32_t q = log10Pow2(e2);
    e10 = static_cast<int32_t>(q);
    const int32_t k = POW5_INV_BITCOUNT + pow5bits(static_cast<int32_t>(q)) - 1;
    const int32_t i = -e2 + static_cast<int32_t>(q) + k;
    vr = mulPow5InvDivPow2(mv, q, i);
    vp = mulPow5InvDivPow2(mp, q, i);
    vm = mulPow5InvDivPow2(mm, q, i);
    if (q != 0 && (vp - 1) / 10 <= vm / 10) {
      // The loop below may not run, and the rounding needs the digit just below vr.
      const int32_t l = POW5_INV_BITCOUNT + pow5bits(static_cast<int32_t>(q - 1)) - 1;
      lastRemovedDigit = mulPow5InvDivPow2(mv, q - 1, -e2 + static_cast<int32_t>(q) - 1 + l) % 10;
    }
    if (q <= 9) {
      // At most one of mp, mv, mm is a multiple of 5.
      if (mv % 5 == 0) {
        vrIsTrailingZeros = multipleOfPowerOf5(mv, q);
      } else if (acceptBounds) {
        vmIsTrailingZeros = multipleOfPowerOf5(mm, q);
      } else {
        vp -= multipleOfPowerOf5(mp, q);
      }
    }
  } else {
    const uint32_t q = log10Pow5(-e2);
    e10 = static_cast<int32_t>(q) + e2;
    const int32_t i = -e2 - static_cast<int32_t>(q);
    const int32_t k = pow5bits(i) - POW5_BITCOUNT;
    int32_t j = static_cast<int32_t>(q) - k;
    vr = mulPow5DivPow2(mv, static_cast<uint32_t>(i), j);
    vp = mulPow5DivPow2(mp, static_cast<uint32_t>(i), j);
    vm = mulPow5DivPow2(mm, static_cast<uint32_t>(i), j);
    if (q != 0 && (vp - 1) / 10 <= vm / 10) {
      j = static_cast<int32_t>(q) - 1 - (pow5bits(i + 1) - POW5_BITCOUNT);
      lastRemovedDigit = mulPow5DivPow2(mv, static_cast<uint32_t>(i + 1), j) % 10;
    }
    if (q <= 1) {
      // mv = 4 * m2 has at least 2 trailing zero bits; mm has 1 iff mmShift; mp always has 1.
      vrIsTrailingZeros = true;
      if (acceptBounds) {
        vmIsTrailingZeros = mmShift == 1;
      } else {
        --vp;
      }
    } else if (q < 31) {
      vrIsTrailingZeros = multipleOfPowerOf2(mv, q - 1);
    }
  }

  // Remove digits while the interval [vm, vp] still holds a shorter decimal.
  int32_t removed = 0;
  uint32_t output;
  if (vmIsTrailingZeros || vrIsTrailingZeros) {
    // Rare (about 4% of floats): the exact value or the lower bound ends in zeros.
    while (vp / 10 > vm / 10) {
      vmIsTrailingZeros &= vm % 10 == 0;
      vrIsTrailingZeros &= lastRemovedDigit == 0;
      lastRemovedDigit = vr % 10;
      vr /= 10;
      vp /= 10;
      vm /= 10;
      removed++;
    }
    if (vmIsTrailingZeros) {
      while (vm % 10 == 0) {
        vrIsTrailingZeros &= lastRemovedDigit == 0;
        lastRemovedDigit = vr % 10;
        vr /= 10;
        vp /= 10;
        vm /= 10;
        removed++;
      }
    }
    if (vrIsTrailingZeros && lastRemovedDigit == 5 && vr % 2 == 0) {
      // Exactly halfway (...50...0): round to the even digit.
      lastRemovedDigit = 4;
    }
    output = vr + ((vr == vm && (!acceptBounds || !vmIsTrailingZeros)) || lastRemovedDigit >= 5);
  } else {
    while (vp / 10 > vm / 10) {
      lastRemovedDigit = vr % 10;
      vr /= 10;
      vp /= 10;
      vm /= 10;
      removed++;
    }
    output = vr + (vr == vm || lastRemovedDigit >= 5);
  }
  return FloatDecimal{output, e10 + removed};
}

}  // namespace rnn

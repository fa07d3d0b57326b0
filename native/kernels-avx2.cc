// AVX2 + FMA kernels: two ymm registers per panel row of 16 floats. Compiled with -mavx2 -mfma
// -mf16c only (binding.gyp target kernels_avx2); reached only when cpuid reports AVX2, FMA and
// F16C and the OS saves ymm state (cpu-features.cc).
#include <immintrin.h>

#include "kernel-table.h"

namespace rnn {
namespace avx2 {

using vf = __m256;
constexpr int W = 8;
/** 16 ymm registers: 12 accumulators, two panel loads and the broadcast. */
constexpr int ACC_VECTORS = 12;
constexpr int MR_MAX = 6;
constexpr int NP_MAX = 6;
#define ISA_NAME "avx2"

/** Lane masks for maskload/maskstore: row n has its first n lanes set. */
alignas(32) static const int kLaneMasks[9][8] = {
    {0, 0, 0, 0, 0, 0, 0, 0},         {-1, 0, 0, 0, 0, 0, 0, 0},        {-1, -1, 0, 0, 0, 0, 0, 0},
    {-1, -1, -1, 0, 0, 0, 0, 0},      {-1, -1, -1, -1, 0, 0, 0, 0},     {-1, -1, -1, -1, -1, 0, 0, 0},
    {-1, -1, -1, -1, -1, -1, 0, 0},   {-1, -1, -1, -1, -1, -1, -1, 0},  {-1, -1, -1, -1, -1, -1, -1, -1},
};
static inline __m256i firstLanes(int n) {
  return _mm256_load_si256(reinterpret_cast<const __m256i*>(kLaneMasks[n]));
}
static inline vf vload(const float* p) { return _mm256_loadu_ps(p); }
static inline vf vloadn(const float* p, int n) { return _mm256_maskload_ps(p, firstLanes(n)); }
static inline void vstore(float* p, vf v) { _mm256_storeu_ps(p, v); }
static inline void vstoren(float* p, vf v, int n) { _mm256_maskstore_ps(p, firstLanes(n), v); }
static inline vf vset1(float x) { return _mm256_set1_ps(x); }
static inline vf vloadF16(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }
static inline vf vloadBf16(const uint16_t* p) {
  const __m256i wide = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}
static inline vf vfma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); }
static inline vf vadd(vf a, vf b) { return _mm256_add_ps(a, b); }
static inline vf vsub(vf a, vf b) { return _mm256_sub_ps(a, b); }
static inline vf vmul(vf a, vf b) { return _mm256_mul_ps(a, b); }
static inline vf vdiv(vf a, vf b) { return _mm256_div_ps(a, b); }
static inline vf vmin(vf a, vf b) { return _mm256_min_ps(a, b); }
static inline vf vmax(vf a, vf b) { return _mm256_max_ps(a, b); }

#include "kernels-generic.inc"

}  // namespace avx2
}  // namespace rnn

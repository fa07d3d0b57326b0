// AVX-512F kernels: one zmm register per panel row of 16 floats. Compiled with -mavx512f -mfma
// only (binding.gyp target kernels_avx512); reached only when cpuid and xgetbv report AVX-512F and
// the OS saves zmm state (cpu-features.cc).
#include <immintrin.h>

#include "kernel-table.h"

namespace rnn {
namespace avx512 {

using vf = __m512;
constexpr int W = 16;
/** 32 zmm registers: 24 accumulators, the panel loads and the broadcast. */
constexpr int ACC_VECTORS = 24;
constexpr int MR_MAX = 8;
constexpr int NP_MAX = 8;
#define ISA_NAME "avx512"

static inline __mmask16 firstLanes(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
static inline vf vload(const float* p) { return _mm512_loadu_ps(p); }
static inline vf vloadn(const float* p, int n) { return _mm512_maskz_loadu_ps(firstLanes(n), p); }
static inline void vstore(float* p, vf v) { _mm512_storeu_ps(p, v); }
static inline void vstoren(float* p, vf v, int n) { _mm512_mask_storeu_ps(p, firstLanes(n), v); }
static inline vf vset1(float x) { return _mm512_set1_ps(x); }
static inline vf vloadF16(const uint16_t* p) { return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))); }
static inline vf vloadBf16(const uint16_t* p) {
  const __m512i wide = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
  return _mm512_castsi512_ps(_mm512_slli_epi32(wide, 16));
}
static inline vf vfma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
static inline vf vadd(vf a, vf b) { return _mm512_add_ps(a, b); }
static inline vf vsub(vf a, vf b) { return _mm512_sub_ps(a, b); }
static inline vf vmul(vf a, vf b) { return _mm512_mul_ps(a, b); }
static inline vf vdiv(vf a, vf b) { return _mm512_div_ps(a, b); }
static inline vf vmin(vf a, vf b) { return _mm512_min_ps(a, b); }
static inline vf vmax(vf a, vf b) { return _mm512_max_ps(a, b); }

#include "kernels-generic.inc"

}  // namespace avx512
}  // namespace rnn

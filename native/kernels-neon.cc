// NEON kernels for arm64: four q registers per panel row of 16 floats. Built only on arm64
// (binding.gyp); not exercised by this project's CI, which runs on x86-64.
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernel-table.h"

namespace rnn {
namespace neon {

using vf = float32x4_t;
constexpr int W = 4;
/** 32 q registers: 24 accumulators, the panel loads and the broadcast. */
constexpr int ACC_VECTORS = 24;
constexpr int MR_MAX = 6;
constexpr int NP_MAX = 4;
#define ISA_NAME "neon"

static inline vf vload(const float* p) { return vld1q_f32(p); }
static inline vf vloadn(const float* p, int n) {
  float lanes[4] = {0, 0, 0, 0};
  for (int i = 0; i < n; i++) lanes[i] = p[i];
  return vld1q_f32(lanes);
}
static inline void vstore(float* p, vf v) { vst1q_f32(p, v); }
static inline void vstoren(float* p, vf v, int n) {
  float lanes[4];
  vst1q_f32(lanes, v);
  for (int i = 0; i < n; i++) p[i] = lanes[i];
}
static inline vf vset1(float x) { return vdupq_n_f32(x); }
static inline vf vloadF16(const uint16_t* p) { return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p))); }
static inline vf vloadBf16(const uint16_t* p) { return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16)); }
static inline vf vfma(vf a, vf b, vf c) { return vfmaq_f32(c, a, b); }
static inline vf vadd(vf a, vf b) { return vaddq_f32(a, b); }
static inline vf vsub(vf a, vf b) { return vsubq_f32(a, b); }
static inline vf vmul(vf a, vf b) { return vmulq_f32(a, b); }
static inline vf vdiv(vf a, vf b) { return vdivq_f32(a, b); }
/** The x86 rule (a < b ? a : b), not vminq's NaN rule, so every ISA agrees. */
static inline vf vmin(vf a, vf b) { return vbslq_f32(vcltq_f32(a, b), a, b); }
static inline vf vmax(vf a, vf b) { return vbslq_f32(vcgtq_f32(a, b), a, b); }

#include "kernels-generic.inc"

}  // namespace neon
}  // namespace rnn
#endif

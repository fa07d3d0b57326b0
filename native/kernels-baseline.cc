// Portable kernels: one float per "vector", std::fma for every multiply-add (a single FMA
// instruction where the target has one, a correctly rounded library call where it does not), so
// they give the same bits as the SIMD kernels. Compiled with no ISA flag: safe on any CPU of the
// architecture.
#include <cmath>
#include <cstring>

#include "half-float.h"

#include "kernel-table.h"

namespace rnn {
namespace baseline {

using vf = float;
constexpr int W = 1;
constexpr int ACC_VECTORS = 16;
constexpr int MR_MAX = 1;
constexpr int NP_MAX = 1;
#define ISA_NAME "baseline"

static inline vf vload(const float* p) { return *p; }
static inline vf vloadn(const float* p, int) { return *p; }
static inline void vstore(float* p, vf v) { *p = v; }
static inline void vstoren(float* p, vf v, int) { *p = v; }
static inline vf vset1(float x) { return x; }
static inline vf vloadF16(const uint16_t* p) { return rnn::halfToFloat(*p); }
static inline vf vloadBf16(const uint16_t* p) { return rnn::bfloat16ToFloat(*p); }
static inline vf vfma(vf a, vf b, vf c) { return std::fma(a, b, c); }
static inline vf vadd(vf a, vf b) { return a + b; }
static inline vf vsub(vf a, vf b) { return a - b; }
static inline vf vmul(vf a, vf b) { return a * b; }
static inline vf vdiv(vf a, vf b) { return a / b; }
static inline vf vmin(vf a, vf b) { return a < b ? a : b; }
static inline vf vmax(vf a, vf b) { return a > b ? a : b; }

#include "kernels-generic.inc"

}  // namespace baseline
}  // namespace rnn

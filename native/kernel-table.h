// The native engine's dispatch table: one struct of kernel pointers per instruction set, the same
// kernels under the same names in namespaces baseline, avx2, avx512 and neon (kernels-*.cc, each
// compiled with only its own ISA's flags). cpu-features.cc picks one table once, from cpuid and
// xgetbv; the rest of the engine calls through it and never tests the CPU again.
//
// Conventions: pointers to float32, strides ("ld") and sizes counted in floats. Packed weights
// ("panels"): a weight W of N rows x K columns (PyTorch's out x in) is stored as ceil(N/16)
// panels; panel p holds, for k = 0..K-1, the 16 values W[16p .. 16p+15][k] side by side (one
// 64-byte line per k, zeros past row N). Gate buffers have ceil(N/16)*16 columns.
#pragma once

#include <cstddef>
#include <cstdint>

namespace rnn {

constexpr int PANEL = 16;

struct KernelTable {
  const char* isa;
  /**
   * C (M x 16*panels, stride ldc) = S + A (M x K, stride lda) . W^T, W packed in panels at P.
   * S is the start of each sum: a bias row (lds = 0) or C itself (lds = ldc, accumulate).
   * Every element is S then fma(a[k], w[k], sum) for k = 0, 1, ..., K-1, in that order, on every
   * ISA and whatever M: the bits of a row never depend on the batch or the block it fell in.
   */
  void (*gemm)(float* C, int ldc, const float* A, int lda, const float* P, int M, int panels, int K,
               const float* S, int lds);
  /**
   * The same product over weights kept as IEEE half (f16) or bfloat16 panels, widened to float in
   * registers. Used only for weights whose every value is exactly representable so (a package
   * stored in f16 or bf16): the widened values are the float32 ones, so the bits are gemm's, and
   * the weights cost half the memory traffic.
   */
  void (*gemmF16)(float* C, int ldc, const float* A, int lda, const uint16_t* P, int M, int panels, int K,
                  const float* S, int lds);
  void (*gemmBf16)(float* C, int ldc, const float* A, int lda, const uint16_t* P, int M, int panels, int K,
                   const float* S, int lds);
  /** Elman: h = tanh(g) or max(g, 0), B rows. */
  void (*rnnCell)(const float* G, int ldg, int B, int H, float* h, int ldh, bool relu);
  /** LSTM, gates i f g o: c = fma(f, c, i*g) in place, h = o * tanh(c). */
  void (*lstmCell)(const float* G, int ldg, int B, int H, float* h, int ldh, float* c, int ldc);
  /**
   * GRU, gates r z n: GX = b + x.W_ih^T, GR = (0,0,b_hn) + h.W_hh^T; r, z = s(GX + GR),
   * n = tanh(fma(r, GR_n, GX_n)), h' = fma(z, hPrev - n, n). hPrev and hOut may be the same rows.
   */
  void (*gruCell)(const float* GX, const float* GR, int ldg, int B, int H, const float* hPrev, int ldp,
                  float* hOut, int ldh);
  /**
   * GRU with the reset gate before the product (ONNX linear_before_reset=0), in two halves around
   * the product GN = RH . W_hn^T. First: r = s(GX_r + GH_r), RH = r * hPrev. Second: z = s(GX_z +
   * GH_z), n = tanh(GX_n + GN), h' = fma(z, hPrev - n, n). GX holds every bias (b_i + b_h folded).
   */
  void (*gruResetHidden)(const float* GX, const float* GH, int ldg, int B, int H, const float* hPrev, int ldp,
                         float* RH, int ldr);
  void (*gruResetBeforeCell)(const float* GX, const float* GH, int ldg, const float* GN, int ldn, int B, int H,
                             const float* hPrev, int ldp, float* hOut, int ldh);
  /**
   * The bench's measure of the core's FP32 peak: `iterations` rounds of ACC_VECTORS independent
   * vector FMAs held in registers (no memory traffic). Returns the flops done (and a value the
   * compiler cannot discard, through *sink).
   */
  double (*fmaPeak)(long iterations, float* sink);
};

namespace baseline { extern const KernelTable table; }
#if defined(__x86_64__) || defined(_M_X64)
namespace avx2 { extern const KernelTable table; }
namespace avx512 { extern const KernelTable table; }
#endif
#if defined(__aarch64__)
namespace neon { extern const KernelTable table; }
#endif

}  // namespace rnn

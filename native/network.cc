// The native engine's time loop over the dispatch table (see kernel-table.h for the kernels and
// the order of every sum). Both paths compute each gate as ((bias + x.W_ih^T) + h.W_hh^T), summed
// in ascending k, the same as the wasm engine's order: a sequence gets the same bits alone or at
// any row of any batch, through runSequence or stepBatch, chunked or whole, on every ISA.
#include "network.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>

#include "half-float.h"

namespace rnn {

namespace {

/** Floats of slack after every buffer: a cell's last vector may read past H (never stores). */
constexpr size_t SLACK = 64;

int gateCount(Architecture a) { return a == Architecture::lstm ? 4 : a == Architecture::gru ? 3 : 1; }
int panelCount(int rows) { return (rows + PANEL - 1) / PANEL; }

/** W (N x K, row-major) into panels of 16 rows: panel p, column k holds W[16p..16p+15][k]. */
template <typename T, typename Convert>
void packPanels(T* dst, const float* W, int N, int K, Convert convert) {
  const int panels = panelCount(N);
  for (int p = 0; p < panels; p++) {
    for (int k = 0; k < K; k++) {
      T* out = dst + (static_cast<size_t>(p) * K + k) * PANEL;
      for (int c = 0; c < PANEL; c++) {
        const int row = p * PANEL + c;
        out[c] = row < N ? convert(W[static_cast<size_t>(row) * K + k]) : T{0};
      }
    }
  }
}

/** Whether every value of W is exactly a value of the 16-bit type (so storing it so loses nothing). */
template <typename Exact>
bool allExact(const float* W, size_t count, Exact exact) {
  uint16_t unused;
  for (size_t i = 0; i < count; i++) {
    if (!exact(W[i], &unused)) return false;
  }
  return true;
}

PackedWeight packWeight(const float* W, int N, int K, WeightStorage storage) {
  PackedWeight packed;
  const size_t count = static_cast<size_t>(N) * K;
  const size_t padded = static_cast<size_t>(panelCount(N)) * PANEL * K;
  if (storage == WeightStorage::automatic && allExact(W, count, exactBfloat16)) {
    packed.type = WeightType::bf16;
    packed.panels = AlignedBytes(padded * sizeof(uint16_t));
    packPanels(static_cast<uint16_t*>(packed.panels.bytes()), W, N, K, [](float v) {
      uint16_t b = 0;
      exactBfloat16(v, &b);
      return b;
    });
  } else if (storage == WeightStorage::automatic && allExact(W, count, exactHalf)) {
    packed.type = WeightType::f16;
    packed.panels = AlignedBytes(padded * sizeof(uint16_t));
    packPanels(static_cast<uint16_t*>(packed.panels.bytes()), W, N, K, [](float v) {
      uint16_t h = 0;
      exactHalf(v, &h);
      return h;
    });
  } else {
    packed.type = WeightType::f32;
    packed.panels = AlignedBytes(padded * sizeof(float));
    packPanels(static_cast<float*>(packed.panels.bytes()), W, N, K, [](float v) { return v; });
  }
  return packed;
}

const char* typeName(WeightType type) {
  return type == WeightType::f16 ? "f16" : type == WeightType::bf16 ? "bf16" : "f32";
}

/** softmax in place, as the wasm engine's JS does it: double inside, shifted by the row maximum. */
void softmaxRow(float* v, int n) {
  double max = -INFINITY;
  for (int j = 0; j < n; j++) if (v[j] > max) max = v[j];
  double sum = 0;
  for (int j = 0; j < n; j++) {
    const double e = std::exp(static_cast<double>(v[j]) - max);
    v[j] = static_cast<float>(e);
    sum += e;
  }
  const double inv = 1 / sum;
  for (int j = 0; j < n; j++) v[j] = static_cast<float>(v[j] * inv);
}

void sigmoidRow(float* v, int n) {
  for (int j = 0; j < n; j++) {
    const double x = v[j];
    if (x >= 0) {
      v[j] = static_cast<float>(1 / (1 + std::exp(-x)));
    } else {
      const double e = std::exp(x);
      v[j] = static_cast<float>(e / (1 + e));
    }
  }
}

}  // namespace

AlignedBytes::AlignedBytes(size_t count) {
  const size_t bytes = (count + SLACK * sizeof(float) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (p == nullptr) throw std::bad_alloc();
  std::memset(p, 0, bytes);
  data_.reset(p);
}

void AlignedBytes::Free::operator()(void* p) const { std::free(p); }

void Network::gemm(float* C, int ldc, const float* A, int lda, const PackedWeight& W, int M, int panels, int K,
                   const float* S, int lds) const {
  switch (W.type) {
    case WeightType::f16:
      kernels_->gemmF16(C, ldc, A, lda, static_cast<const uint16_t*>(W.panels.bytes()), M, panels, K, S, lds);
      break;
    case WeightType::bf16:
      kernels_->gemmBf16(C, ldc, A, lda, static_cast<const uint16_t*>(W.panels.bytes()), M, panels, K, S, lds);
      break;
    case WeightType::f32:
      kernels_->gemm(C, ldc, A, lda, static_cast<const float*>(W.panels.bytes()), M, panels, K, S, lds);
      break;
  }
}

std::string Network::weightTypes() const {
  bool used[3] = {false, false, false};
  for (const PackedLayer& layer : layers_) {
    used[static_cast<int>(layer.weightIh.type)] = true;
    used[static_cast<int>(layer.weightHh.type)] = true;
    if (resetBefore_) used[static_cast<int>(layer.weightHn.type)] = true;
  }
  if (shape_.hasHead) used[static_cast<int>(headWeight_.type)] = true;
  std::string out;
  for (WeightType type : {WeightType::f32, WeightType::f16, WeightType::bf16}) {
    if (!used[static_cast<int>(type)]) continue;
    if (!out.empty()) out += ",";
    out += typeName(type);
  }
  return out;
}

Network::Network(const Shape& shape, const KernelTable* kernels, const std::vector<LayerSource>& layers,
                 const float* headWeight, const float* headBias)
    : shape_(shape), kernels_(kernels) {
  const int I = shape.inputSize, H = shape.hiddenSize, L = shape.numLayers, O = shape.outputSize;
  S_ = (shape.architecture == Architecture::lstm ? 2 : 1) * L * H;
  N_ = gateCount(shape.architecture) * H;
  panels_ = panelCount(N_);
  ldGates_ = panels_ * PANEL;
  headPanels_ = panelCount(O);
  ldY_ = headPanels_ * PANEL;
  resetBefore_ = shape.architecture == Architecture::gru && shape.gruResetBefore;
  panelsRz_ = panelCount(2 * H);
  panelsN_ = panelCount(H);
  ldN_ = panelsN_ * PANEL;
  const size_t rows = static_cast<size_t>(shape.maxBatch > SEQUENCE_CHUNK ? shape.maxBatch : SEQUENCE_CHUNK);

  layers_.resize(L);
  for (int k = 0; k < L; k++) {
    PackedLayer& layer = layers_[k];
    const LayerSource& src = layers[k];
    layer.inputWidth = k == 0 ? I : H;
    layer.weightIh = packWeight(src.weightIh, N_, layer.inputWidth, shape.weightStorage);
    if (resetBefore_) {
      layer.weightHh = packWeight(src.weightHh, 2 * H, H, shape.weightStorage);
      layer.weightHn = packWeight(src.weightHh + static_cast<size_t>(2) * H * H, H, H, shape.weightStorage);
    } else {
      layer.weightHh = packWeight(src.weightHh, N_, H, shape.weightStorage);
    }
    layer.biasInput = AlignedFloats(ldGates_);
    layer.biasRecurrent = AlignedFloats(ldGates_);
    // b_ih + b_hh folded wherever the cell allows it; GRU's n block keeps b_hn inside r * (...).
    // (With the reset gate before the product, b_hn sits outside r and folds like the others.)
    const int separateFrom = shape.architecture == Architecture::gru && !resetBefore_ ? 2 * H : N_;
    for (int j = 0; j < N_; j++) {
      if (j < separateFrom) {
        layer.biasInput.data()[j] = src.biasIh[j] + src.biasHh[j];
      } else {
        layer.biasInput.data()[j] = src.biasIh[j];
        layer.biasRecurrent.data()[j] = src.biasHh[j];
      }
    }
  }
  if (shape.hasHead) {
    headWeight_ = packWeight(headWeight, O, H, shape.weightStorage);
    headBias_ = AlignedFloats(ldY_);
    std::memcpy(headBias_.data(), headBias, sizeof(float) * O);
    y_ = AlignedFloats(rows * ldY_);
  }
  gates_ = AlignedFloats(rows * ldGates_);
  if (shape.architecture == Architecture::gru) recurrent_ = AlignedFloats(static_cast<size_t>(shape.maxBatch) * ldGates_);
  if (resetBefore_) {
    resetH_ = AlignedFloats(static_cast<size_t>(shape.maxBatch) * H);
    candidate_ = AlignedFloats(static_cast<size_t>(shape.maxBatch) * ldN_);
    zeroBias_ = AlignedFloats(ldGates_);
  }
  sequenceH_[0] = AlignedFloats(static_cast<size_t>(SEQUENCE_CHUNK) * H);
  if (L > 1) sequenceH_[1] = AlignedFloats(static_cast<size_t>(SEQUENCE_CHUNK) * H);
}

void Network::recur(const PackedLayer& layer, int B, float* gates, const float* hPrev, int ldPrev, float* hOut,
                    int ldOut, float* c, int ldC) {
  const int H = shape_.hiddenSize;
  const KernelTable& k = *kernels_;
  if (resetBefore_) {
    gemm(recurrent_.data(), ldGates_, hPrev, ldPrev, layer.weightHh, B, panelsRz_, H, zeroBias_.data(), 0);
    k.gruResetHidden(gates, recurrent_.data(), ldGates_, B, H, hPrev, ldPrev, resetH_.data(), H);
    gemm(candidate_.data(), ldN_, resetH_.data(), H, layer.weightHn, B, panelsN_, H, zeroBias_.data(), 0);
    k.gruResetBeforeCell(gates, recurrent_.data(), ldGates_, candidate_.data(), ldN_, B, H, hPrev, ldPrev, hOut, ldOut);
    return;
  }
  switch (shape_.architecture) {
    case Architecture::gru:
      gemm(recurrent_.data(), ldGates_, hPrev, ldPrev, layer.weightHh, B, panels_, H,
             layer.biasRecurrent.data(), 0);
      k.gruCell(gates, recurrent_.data(), ldGates_, B, H, hPrev, ldPrev, hOut, ldOut);
      break;
    case Architecture::lstm:
      gemm(gates, ldGates_, hPrev, ldPrev, layer.weightHh, B, panels_, H, gates, ldGates_);
      k.lstmCell(gates, ldGates_, B, H, hOut, ldOut, c, ldC);
      break;
    case Architecture::rnn:
      gemm(gates, ldGates_, hPrev, ldPrev, layer.weightHh, B, panels_, H, gates, ldGates_);
      k.rnnCell(gates, ldGates_, B, H, hOut, ldOut, shape_.relu);
      break;
  }
}

void Network::emitOutputs(int B, const float* h, int ldH, float* outputs) {
  const int O = shape_.outputSize;
  const float* src = h;
  int ld = ldH;
  if (shape_.hasHead) {
    gemm(y_.data(), ldY_, h, ldH, headWeight_, B, headPanels_, shape_.hiddenSize, headBias_.data(), 0);
    src = y_.data();
    ld = ldY_;
  }
  for (int b = 0; b < B; b++) {
    float* out = outputs + static_cast<size_t>(b) * O;
    std::memcpy(out, src + static_cast<size_t>(b) * ld, sizeof(float) * O);
    if (shape_.outputActivation == OutputActivation::softmax) softmaxRow(out, O);
    else if (shape_.outputActivation == OutputActivation::sigmoid) sigmoidRow(out, O);
  }
}

void Network::stepBatch(int B, const float* x, float* states, float* outputs) {
  if (B == 0) return;
  const int I = shape_.inputSize, H = shape_.hiddenSize, L = shape_.numLayers;
  float* gates = gates_.data();
  for (int k = 0; k < L; k++) {
    const PackedLayer& layer = layers_[k];
    float* h = states + static_cast<size_t>(k) * H;
    float* c = states + static_cast<size_t>(L + k) * H;
    // Layer k > 0 reads layer k-1's new h from the same rows of the caller's states.
    const float* input = k == 0 ? x : h - H;
    gemm(gates, ldGates_, input, k == 0 ? I : S_, layer.weightIh, B, panels_, layer.inputWidth,
                   layer.biasInput.data(), 0);
    recur(layer, B, gates, h, S_, h, S_, c, S_);
  }
  emitOutputs(B, states + static_cast<size_t>(L - 1) * H, S_, outputs);
}

void Network::runSequence(const float* inputs, int steps, float* state, float* outputs) {
  const int I = shape_.inputSize, H = shape_.hiddenSize, L = shape_.numLayers, O = shape_.outputSize;
  float* gates = gates_.data();
  for (int t0 = 0; t0 < steps; t0 += SEQUENCE_CHUNK) {
    const int n = steps - t0 < SEQUENCE_CHUNK ? steps - t0 : SEQUENCE_CHUNK;
    const float* input = inputs + static_cast<size_t>(t0) * I;
    int ldInput = I;
    for (int k = 0; k < L; k++) {
      const PackedLayer& layer = layers_[k];
      float* hSeq = sequenceH_[k % 2].data();
      float* hState = state + static_cast<size_t>(k) * H;
      float* c = state + static_cast<size_t>(L + k) * H;
      // The whole chunk's input projection as one product, then only h_{t-1} . W_hh^T per element.
      gemm(gates, ldGates_, input, ldInput, layer.weightIh, n, panels_, layer.inputWidth,
                     layer.biasInput.data(), 0);
      for (int t = 0; t < n; t++) {
        const float* hPrev = t == 0 ? hState : hSeq + static_cast<size_t>(t - 1) * H;
        recur(layer, 1, gates + static_cast<size_t>(t) * ldGates_, hPrev, H, hSeq + static_cast<size_t>(t) * H, H, c, H);
      }
      std::memcpy(hState, hSeq + static_cast<size_t>(n - 1) * H, sizeof(float) * H);
      input = hSeq;
      ldInput = H;
    }
    emitOutputs(n, input, H, outputs + static_cast<size_t>(t0) * O);
  }
}

}  // namespace rnn

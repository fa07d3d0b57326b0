// One loaded network of the native engine: PyTorch weights packed once into the kernels' panels,
// scratch sized once for the largest batch and chunk, and the time loop. States, inputs and
// outputs are the caller's arrays: read and written in place, never copied. No allocation after
// construction. Not re-entrant (one call at a time, as the RecurrentNetwork contract says).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "kernel-table.h"

namespace rnn {

enum class Architecture { rnn, lstm, gru };
enum class OutputActivation { identity, softmax, sigmoid };
/** auto: a weight matrix whose every value is exactly a half (or bfloat16) is kept in 16 bits. */
enum class WeightStorage { automatic, f32 };
enum class WeightType { f32, f16, bf16 };

struct Shape {
  Architecture architecture;
  int inputSize;
  int hiddenSize;
  int numLayers;
  int outputSize;
  bool hasHead;
  bool relu;
  /** GRU only: the reset gate before the recurrent product (ONNX linear_before_reset=0). */
  bool gruResetBefore;
  OutputActivation outputActivation;
  int maxBatch;
  WeightStorage weightStorage;
};

/** PyTorch layouts, row-major: weightIh (G*H) x inputWidth, weightHh (G*H) x H, biases G*H. */
struct LayerSource {
  const float* weightIh;
  const float* weightHh;
  const float* biasIh;
  const float* biasHh;
};

/** runSequence projects at most this many elements per product (the wasm engine's chunk). */
constexpr int SEQUENCE_CHUNK = 256;

/** 64-byte aligned storage, zero-filled, with slack after the end for whole-vector reads. */
class AlignedBytes {
 public:
  AlignedBytes() = default;
  explicit AlignedBytes(size_t bytes);
  void* bytes() const { return data_.get(); }

 private:
  struct Free {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, Free> data_;
};

class AlignedFloats : public AlignedBytes {
 public:
  AlignedFloats() = default;
  explicit AlignedFloats(size_t count) : AlignedBytes(count * sizeof(float)) {}
  float* data() const { return static_cast<float*>(bytes()); }
};

/** One weight matrix packed in panels (kernel-table.h), as float32 or, when exact, in 16 bits. */
struct PackedWeight {
  WeightType type = WeightType::f32;
  AlignedBytes panels;
};

class Network {
 public:
  Network(const Shape& shape, const KernelTable* kernels, const std::vector<LayerSource>& layers,
          const float* headWeight, const float* headBias);

  /** x: B x I, states: B x S (read, then overwritten), outputs: B x O. */
  void stepBatch(int B, const float* x, float* states, float* outputs);
  /** inputs: steps x I, state: S values (the initial state in, the final state out), outputs: steps x O. */
  void runSequence(const float* inputs, int steps, float* state, float* outputs);

  const KernelTable& kernels() const { return *kernels_; }
  /** The storage of every weight matrix, e.g. "f32" or "f16" or "f16,f32" (mixed). */
  std::string weightTypes() const;
  int stateSize() const { return S_; }

 private:
  struct PackedLayer {
    int inputWidth;
    PackedWeight weightIh, weightHh;
    /** GRU reset-before only: W_hn alone (weightHh then holds the r and z rows). */
    PackedWeight weightHn;
    AlignedFloats biasInput, biasRecurrent;
  };

  /** C = S + A . W^T through the kernel for W's storage type. */
  void gemm(float* C, int ldc, const float* A, int lda, const PackedWeight& W, int M, int panels, int K,
            const float* S, int lds) const;

  void recur(const PackedLayer& layer, int B, float* gates, const float* hPrev, int ldPrev, float* hOut, int ldOut,
             float* c, int ldC);
  void emitOutputs(int B, const float* h, int ldH, float* outputs);

  Shape shape_;
  const KernelTable* kernels_;
  int S_, N_, panels_, ldGates_, headPanels_, ldY_, panelsRz_, panelsN_, ldN_;
  bool resetBefore_;
  std::vector<PackedLayer> layers_;
  PackedWeight headWeight_;
  AlignedFloats headBias_;
  AlignedFloats gates_, recurrent_, y_, sequenceH_[2];
  AlignedFloats resetH_, candidate_, zeroBias_;  // GRU reset-before only
};

}  // namespace rnn

// One loaded network of the native engine: PyTorch weights packed once into the kernels' panels,
// scratch sized once for the largest batch and chunk, and the time loop. States, inputs and
// outputs are the caller's arrays: read and written in place, never copied. No allocation after
// construction. Not re-entrant (one call at a time, as the RecurrentNetwork contract says).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "kernel-table.h"

namespace rnn {

enum class Architecture { rnn, lstm, gru };
enum class OutputActivation { identity, softmax, sigmoid };

struct Shape {
  Architecture architecture;
  int inputSize;
  int hiddenSize;
  int numLayers;
  int outputSize;
  bool hasHead;
  bool relu;
  OutputActivation outputActivation;
  int maxBatch;
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

/** 64-byte aligned float storage, zero-filled, with slack after the end for whole-vector reads. */
class AlignedFloats {
 public:
  AlignedFloats() = default;
  explicit AlignedFloats(size_t count);
  float* data() const { return data_.get(); }

 private:
  struct Free {
    void operator()(float* p) const;
  };
  std::unique_ptr<float, Free> data_;
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
  int stateSize() const { return S_; }

 private:
  struct PackedLayer {
    int inputWidth;
    AlignedFloats weightIh, weightHh, biasInput, biasRecurrent;
  };

  void recur(const PackedLayer& layer, int B, float* gates, const float* hPrev, int ldPrev, float* hOut, int ldOut,
             float* c, int ldC);
  void emitOutputs(int B, const float* h, int ldH, float* outputs);

  Shape shape_;
  const KernelTable* kernels_;
  int S_, N_, panels_, ldGates_, headPanels_, ldY_;
  std::vector<PackedLayer> layers_;
  AlignedFloats headWeight_, headBias_;
  AlignedFloats gates_, recurrent_, y_, sequenceH_[2];
};

}  // namespace rnn

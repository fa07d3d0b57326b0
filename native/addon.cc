// Node-API surface of the native engine (node-addon-api). Arguments are checked by the
// TypeScript wrapper (src/engine/native-network.ts) once per call; here only their types are
// confirmed, so a wrong call throws instead of reading memory it should not. Typed arrays are
// used through their data pointers: no copy in, no copy out.
#include <napi.h>

#include <cstdint>
#include <cstring>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "cpu-features.h"
#include "float-json.h"
#include "json-vector.h"
#include "network.h"

namespace {

Napi::Float32Array float32ArrayArg(const Napi::Env& env, const Napi::Value& value, const char* what) {
  if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, std::string(what) + " must be a Float32Array");
  }
  return value.As<Napi::Float32Array>();
}

float* floatData(const Napi::Env& env, const Napi::Value& value, const char* what) { return float32ArrayArg(env, value, what).Data(); }

int intArg(const Napi::Env& env, const Napi::Value& value, const char* what) {
  if (!value.IsNumber()) throw Napi::TypeError::New(env, std::string(what) + " must be a number");
  return value.As<Napi::Number>().Int32Value();
}

class NativeNetwork : public Napi::ObjectWrap<NativeNetwork> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeNetwork",
                       {InstanceMethod("step", &NativeNetwork::Step), InstanceMethod("run", &NativeNetwork::Run),
                        InstanceAccessor("isa", &NativeNetwork::Isa, nullptr),
                        InstanceAccessor("weightTypes", &NativeNetwork::WeightTypes, nullptr)});
  }

  /**
   * new NativeNetwork(shape, layers, head, isa): shape {architecture, inputSize, hiddenSize,
   * numLayers, outputSize, hasHead, relu, outputActivation, maxBatch}, layers [{weightIh,
   * weightHh, biasIh, biasHh}], head {weight, bias} or null, isa: a supported ISA's name.
   * Weights are packed during the call; the JS arrays are not kept.
   */
  explicit NativeNetwork(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NativeNetwork>(info) {
    Napi::Env env = info.Env();
    const Napi::Object s = info[0].As<Napi::Object>();
    const std::string architecture = s.Get("architecture").As<Napi::String>();
    const std::string activation = s.Get("outputActivation").As<Napi::String>();
    rnn::Shape shape{};
    shape.architecture = architecture == "lstm" ? rnn::Architecture::lstm
                         : architecture == "gru" ? rnn::Architecture::gru
                                                 : rnn::Architecture::rnn;
    shape.inputSize = intArg(env, s.Get("inputSize"), "inputSize");
    shape.hiddenSize = intArg(env, s.Get("hiddenSize"), "hiddenSize");
    shape.numLayers = intArg(env, s.Get("numLayers"), "numLayers");
    shape.outputSize = intArg(env, s.Get("outputSize"), "outputSize");
    shape.hasHead = s.Get("hasHead").ToBoolean();
    shape.relu = s.Get("relu").ToBoolean();
    shape.gruResetBefore = s.Get("gruResetBefore").ToBoolean();
    shape.outputActivation = activation == "softmax"   ? rnn::OutputActivation::softmax
                             : activation == "sigmoid" ? rnn::OutputActivation::sigmoid
                                                       : rnn::OutputActivation::identity;
    shape.maxBatch = intArg(env, s.Get("maxBatch"), "maxBatch");
    const Napi::Value storage = s.Get("weightStorage");
    shape.weightStorage = storage.IsString() && storage.As<Napi::String>().Utf8Value() == "f32"
                              ? rnn::WeightStorage::f32
                              : rnn::WeightStorage::automatic;

    const Napi::Array layers = info[1].As<Napi::Array>();
    std::vector<rnn::LayerSource> sources;
    for (uint32_t k = 0; k < layers.Length(); k++) {
      const Napi::Object layer = layers.Get(k).As<Napi::Object>();
      sources.push_back({floatData(env, layer.Get("weightIh"), "weightIh"),
                         floatData(env, layer.Get("weightHh"), "weightHh"),
                         floatData(env, layer.Get("biasIh"), "biasIh"), floatData(env, layer.Get("biasHh"), "biasHh")});
    }
    const float* headWeight = nullptr;
    const float* headBias = nullptr;
    if (shape.hasHead) {
      const Napi::Object head = info[2].As<Napi::Object>();
      headWeight = floatData(env, head.Get("weight"), "head weight");
      headBias = floatData(env, head.Get("bias"), "head bias");
    }
    const std::string isa = info[3].As<Napi::String>();
    const rnn::KernelTable* table = rnn::tableByName(isa);
    if (table == nullptr) throw Napi::Error::New(env, "instruction set '" + isa + "' is not supported by this CPU");
    network_ = std::make_unique<rnn::Network>(shape, table, sources, headWeight, headBias);
  }

 private:
  /** step(batch, x, states, outputs) */
  Napi::Value Step(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    network_->stepBatch(intArg(env, info[0], "batch"), floatData(env, info[1], "x"),
                        floatData(env, info[2], "states"), floatData(env, info[3], "outputs"));
    return env.Undefined();
  }

  /** run(inputs, steps, state, outputs): state holds the initial state and receives the final one. */
  Napi::Value Run(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    network_->runSequence(floatData(env, info[0], "inputs"), intArg(env, info[1], "steps"),
                          floatData(env, info[2], "state"), floatData(env, info[3], "outputs"));
    return env.Undefined();
  }

  Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), network_->kernels().isa); }
  Napi::Value WeightTypes(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), network_->weightTypes()); }

  std::unique_ptr<rnn::Network> network_;
};

double threadSeconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

const rnn::KernelTable& tableArg(const Napi::Env& env, const Napi::Value& value) {
  const rnn::KernelTable* table = rnn::tableByName(value.As<Napi::String>());
  if (table == nullptr) throw Napi::Error::New(env, "instruction set not supported by this CPU");
  return *table;
}

/** benchFmaPeak(isa): GFLOP/s of register-only FMAs on this thread (the bench's core peak). */
Napi::Value BenchFmaPeak(const Napi::CallbackInfo& info) {
  const rnn::KernelTable& table = tableArg(info.Env(), info[0]);
  float sink = 0;
  double best = 0;
  for (int round = 0; round < 5; round++) {
    const double start = threadSeconds();
    const double flops = table.fmaPeak(20'000'000, &sink);
    const double rate = flops / (threadSeconds() - start) / 1e9;
    if (rate > best) best = rate;
  }
  return Napi::Number::New(info.Env(), best + 0 * sink);
}

/** benchGemm(isa, M, N, K): GFLOP/s of the engine's own gemm kernel on packed random data, best of 5. */
Napi::Value BenchGemm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const rnn::KernelTable& table = tableArg(env, info[0]);
  const int M = intArg(env, info[1], "M"), N = intArg(env, info[2], "N"), K = intArg(env, info[3], "K");
  const int panels = (N + rnn::PANEL - 1) / rnn::PANEL;
  rnn::AlignedFloats A(static_cast<size_t>(M) * K), P(static_cast<size_t>(panels) * rnn::PANEL * K),
      C(static_cast<size_t>(M) * panels * rnn::PANEL), bias(static_cast<size_t>(panels) * rnn::PANEL);
  for (size_t i = 0; i < static_cast<size_t>(M) * K; i++) A.data()[i] = static_cast<float>(i % 7) * 0.01f;
  for (size_t i = 0; i < static_cast<size_t>(panels) * rnn::PANEL * K; i++) P.data()[i] = static_cast<float>(i % 5) * 0.01f;
  double best = 0;
  for (int round = 0; round < 5; round++) {
    const double start = threadSeconds();
    table.gemm(C.data(), panels * rnn::PANEL, A.data(), K, P.data(), M, panels, K, bias.data(), 0);
    const double rate = 2.0 * M * N * K / (threadSeconds() - start) / 1e9;
    if (rate > best) best = rate;
  }
  return Napi::Number::New(env, best);
}

/**
 * formatFloat32Json(values, start, rows, cols, out): writes rows x cols values from values[start]
 * as JSON (rows 0: one flat array of cols values) into the Uint8Array out; returns the bytes
 * written, or -1 (nothing written) when out is shorter than the worst case or the values are
 * out of range. The JavaScript side keeps one buffer and reads the text from it.
 */
Napi::Value FormatFloat32Json(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Float32Array values = float32ArrayArg(env, info[0], "values");
  const int start = intArg(env, info[1], "start"), rows = intArg(env, info[2], "rows"), cols = intArg(env, info[3], "cols");
  if (!info[4].IsTypedArray() || info[4].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "out must be a Uint8Array");
  }
  Napi::Uint8Array out = info[4].As<Napi::Uint8Array>();
  const size_t count = static_cast<size_t>(rows == 0 ? 1 : rows) * static_cast<size_t>(cols);
  if (start < 0 || rows < 0 || cols < 0 || static_cast<size_t>(start) + count > values.ElementLength() ||
      out.ElementLength() < rnn::floatJsonCapacity(rows, cols)) {
    return Napi::Number::New(env, -1);
  }
  const size_t written = rnn::writeFloatJsonMatrix(reinterpret_cast<char*>(out.Data()), values.Data() + start, rows, cols);
  return Napi::Number::New(env, static_cast<double>(written));
}

/**
 * allFinite(values, count): whether values[0..count) holds no NaN and no infinity. The service's
 * guard against overflow (src/service/finite-results.ts) then has nothing left to check for the
 * batch: one pass over the whole batch here, branch-free so the compiler vectorizes it, against a
 * loop per session in JavaScript.
 */
Napi::Value AllFinite(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Napi::Float32Array values = float32ArrayArg(env, info[0], "values");
  const int count = intArg(env, info[1], "count");
  if (count < 0 || static_cast<size_t>(count) > values.ElementLength()) throw Napi::RangeError::New(env, "count is outside values");
  const float* data = values.Data();
  uint32_t nonFinite = 0;
  for (int i = 0; i < count; i++) {
    uint32_t bits;
    std::memcpy(&bits, data + i, sizeof bits);
    // All exponent bits set: an infinity or a NaN.
    nonFinite |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return Napi::Boolean::New(env, nonFinite == 0);
}

/**
 * parseJsonVector(bytes, out): whether bytes (a text frame) is exactly {"x":[...]} with
 * out.length finite float32 values, written into out, and an optional expected_t
 * (native/json-vector.h): false when it is not, true without expected_t, else its value.
 */
Napi::Value ParseJsonVector(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "bytes must be a Uint8Array");
  }
  const Napi::Uint8Array bytes = info[0].As<Napi::Uint8Array>();
  Napi::Float32Array out = float32ArrayArg(env, info[1], "out");
  const double read = rnn::parseJsonVector(bytes.Data(), bytes.ElementLength(), out.Data(), out.ElementLength());
  if (read == rnn::NOT_THIS_SHAPE) return Napi::Boolean::New(env, false);
  if (read == rnn::NO_EXPECTED_T) return Napi::Boolean::New(env, true);
  return Napi::Number::New(env, read);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("allFinite", Napi::Function::New(env, AllFinite));
  exports.Set("formatFloat32Json", Napi::Function::New(env, FormatFloat32Json));
  exports.Set("parseJsonVector", Napi::Function::New(env, ParseJsonVector));
  exports.Set("floatJsonBytesPerValue", Napi::Number::New(env, static_cast<double>(rnn::FLOAT_JSON_MAX)));
  exports.Set("benchFmaPeak", Napi::Function::New(env, BenchFmaPeak));
  exports.Set("benchGemm", Napi::Function::New(env, BenchGemm));
  exports.Set("NativeNetwork", NativeNetwork::Define(env));
  Napi::Array supported = Napi::Array::New(env);
  const auto& tables = rnn::supportedTables();
  for (size_t i = 0; i < tables.size(); i++) supported.Set(static_cast<uint32_t>(i), tables[i]->isa);
  exports.Set("supportedIsas", supported);
  Napi::Array known = Napi::Array::New(env);
  const auto names = rnn::knownIsas();
  for (size_t i = 0; i < names.size(); i++) known.Set(static_cast<uint32_t>(i), names[i]);
  exports.Set("knownIsas", known);
  return exports;
}

}  // namespace

NODE_API_MODULE(rnn_native, Init)

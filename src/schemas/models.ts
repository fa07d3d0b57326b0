import { Type, type Static } from 'typebox';
import { ref } from './common.js';

export const ModelInfo = Type.Object(
  {
    name: Type.String(),
    status: Type.Enum(['ready', 'failed']),
    error: Type.Optional(Type.String({ description: 'Why the package failed to load (status failed)' })),
    // Absent only for a failed package whose config.json could not be read.
    architecture: Type.Optional(Type.Enum(['rnn', 'lstm', 'gru'])),
    input_size: Type.Optional(Type.Integer()),
    hidden_size: Type.Optional(Type.Integer()),
    num_layers: Type.Optional(Type.Integer()),
    bidirectional: Type.Optional(
      Type.Boolean({ description: 'Present (true) for a bidirectional model: whole-sequence predict only, no sessions or streams' }),
    ),
    direction: Type.Optional(
      Type.Enum(['reverse', 'bidirectional'], { description: 'Present when the layers do not only run forward in time' }),
    ),
    output_size: Type.Optional(Type.Integer({ description: 'The head width, or hidden_size without a head' })),
    output_activation: Type.Optional(Type.Enum(['identity', 'softmax', 'sigmoid'])),
    vocab: Type.Optional(Type.Array(Type.String(), { description: 'Token models: accepted tokens' })),
    labels: Type.Optional(Type.Array(Type.String(), { description: 'Names of the outputs' })),
    description: Type.Optional(Type.String()),
    version: Type.Optional(
      Type.String({ description: 'The repository version shown: the version folder\'s number, "1" for a flat package' }),
    ),
    versions: Type.Optional(
      Type.Array(
        Type.Object({
          version: Type.String(),
          status: Type.Enum(['ready', 'failed']),
          error: Type.Optional(Type.String({ description: 'Why this version failed to load' })),
        }),
        { description: 'Every version the repository holds of this model: loaded ones, and the latest failure of the others' },
      ),
    ),
    package_version: Type.Optional(Type.String({ description: 'The `version` string of the package\'s config.json, when it has one' })),
    engine: Type.Optional(
      Type.Object(
        {
          name: Type.Enum(['native', 'wasm', 'reference'], { description: 'native: the C++ addon; wasm: WebAssembly SIMD' }),
          isa: Type.String({ description: 'Instruction set of its kernels: avx512, avx2, neon, baseline (native), simd128 (wasm)' }),
        },
        { description: 'What runs the model (ready packages); RNN_ENGINE and RNN_ENGINE_ISA choose it' },
      ),
    ),
  },
  { $id: 'ModelInfo', description: 'A model package and whether it is ready to serve' },
);
export type ModelInfo = Static<typeof ModelInfo>;

export const ModelList = Type.Object({ models: Type.Array(ref(ModelInfo)) }, { $id: 'ModelList' });
export type ModelList = Static<typeof ModelList>;

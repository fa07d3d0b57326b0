// OpenAPI schemas of the /v2 routes: the KServe Open Inference Protocol's objects
// (kserve open_inference_rest.yaml), written out here so the generated document covers /v2.
// The infer body is parsed by src/oip/rest-body.ts (it may carry binary data), so these are
// documentation for it, not its validator.
import { Type } from 'typebox';

const Parameters = Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
  description: 'sequence_id, sequence_start, sequence_end, binary_data_output, binary_data_size, binary_data',
});

const TensorData = Type.Array(Type.Unknown(), {
  description: 'Row-major elements, flat or nested (numbers; strings for BYTES)',
});

export const V2Error = Type.Object({ error: Type.String({ description: 'What was wrong and where' }) });

export function v2Error(description: string) {
  return { ...V2Error, description };
}

export const ServerMetadataResponse = Type.Object({
  name: Type.String(),
  version: Type.String(),
  extensions: Type.Array(Type.String()),
});

const TensorMetadata = Type.Object({ name: Type.String(), datatype: Type.String(), shape: Type.Array(Type.Integer()) });

export const ModelMetadataResponse = Type.Object({
  name: Type.String(),
  versions: Type.Array(Type.String()),
  platform: Type.String(),
  inputs: Type.Array(TensorMetadata),
  outputs: Type.Array(TensorMetadata),
});

export const LiveResponse = Type.Object({ live: Type.Boolean() });
export const ReadyResponse = Type.Object({ ready: Type.Boolean() });
export const ModelReadyResponse = Type.Object({ name: Type.String(), ready: Type.Boolean() });

export const InferenceRequestDoc = Type.Object(
  {
    id: Type.Optional(Type.String()),
    parameters: Type.Optional(Parameters),
    inputs: Type.Array(
      Type.Object({
        name: Type.String({ description: 'input, tokens, text, state_h or state_c' }),
        shape: Type.Array(Type.Integer()),
        datatype: Type.String({ description: 'FP32 (FP64, FP16), INT64/INT32 for tokens, BYTES for text' }),
        parameters: Type.Optional(Parameters),
        data: Type.Optional(TensorData),
      }),
    ),
    outputs: Type.Optional(
      Type.Array(Type.Object({ name: Type.String({ description: 'output, state_h or state_c' }), parameters: Type.Optional(Parameters) })),
    ),
  },
  {
    description:
      'The JSON inference request. With the binary tensor extension the body is this JSON followed by the tensors\' bytes, ' +
      'the header Inference-Header-Content-Length giving the JSON\'s length (any content type, e.g. application/octet-stream).',
  },
);

export const InferenceResponseDoc = Type.Object(
  {
    model_name: Type.String(),
    model_version: Type.Optional(Type.String()),
    id: Type.Optional(Type.String()),
    outputs: Type.Array(
      Type.Object({
        name: Type.String(),
        shape: Type.Array(Type.Integer()),
        datatype: Type.String(),
        parameters: Type.Optional(Parameters),
        data: Type.Optional(TensorData),
      }),
    ),
  },
  {
    description:
      'JSON, or (when an output is requested as binary data) this JSON followed by the outputs\' bytes, ' +
      'with Inference-Header-Content-Length giving the JSON\'s length.',
  },
);

export const ModelParams = Type.Object({ model: Type.String() });
export const ModelVersionParams = Type.Object({ model: Type.String(), version: Type.String() });

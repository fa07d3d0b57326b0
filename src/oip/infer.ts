// One Open Inference Protocol request on the dataplane, whichever transport brought it: the
// tensors become sequences (tensor-contract.ts), a sequence request steps its session
// (sequence.ts), any other runs as predict, and the results become the requested outputs.
import type { Config } from '../config.js';
import { InvalidInputError } from '../errors.js';
import type { Transport } from '../metrics.js';
import { tensorBatch } from '../service/batch-naming.js';
import type { InferenceService, SequenceOutcome } from '../service/inference-service.js';
import { modelRef } from '../service/served-model.js';
import { readSequenceControl, runSequenceRequest, type SequenceIdLimits } from './sequence.js';
import { decodeInputs, encodeOutputs, type ContractLimits } from './tensor-contract.js';
import type { InferRequest, InferResponse } from './types.js';

export type InferLimits = ContractLimits & SequenceIdLimits;

/** The same limits as /v1: MAX_SEQUENCE_LENGTH, BODY_LIMIT_BYTES (also gRPC's message limit), MAX_SEQUENCE_ID_LENGTH. */
export function inferLimits(config: Config): InferLimits {
  return {
    maxSequenceLength: config.maxSequenceLength,
    maxMessageBytes: config.bodyLimitBytes,
    maxSequenceIdLength: config.maxSequenceIdLength,
  };
}

export async function runInference(
  service: InferenceService,
  request: InferRequest,
  limits: InferLimits,
  transport: Extract<Transport, 'v2' | 'grpc'>,
  binaryByDefault = false,
): Promise<InferResponse> {
  const model = service.model(modelRef({ model: request.model, version: request.version === '' ? undefined : request.version }));
  // The version resolved here is the one that runs, even if a newer one loads meanwhile.
  const pinned = { name: model.name, version: model.version };
  const control = readSequenceControl(request.parameters, model.name, limits);
  const decoded = decodeInputs(model, request, limits);
  let outcomes: SequenceOutcome[];
  if (control !== undefined) {
    if (decoded.sequences.length !== 1) {
      throw new InvalidInputError(
        `a request of sequence ${control.id} carries one sequence (B = 1); this one has ${decoded.sequences.length}`,
      );
    }
    outcomes = [await runSequenceRequest(service, model, control, decoded.sequences[0]!, limits, transport)];
  } else if (decoded.sequences.length === 1) {
    outcomes = [await service.predict(pinned, decoded.sequences[0]!, transport)];
  } else {
    outcomes = await service.predictBatch(pinned, decoded.sequences, transport, tensorBatch(decoded.sequenceInput));
  }
  return {
    modelName: model.name,
    // A sequence runs on its session's version, which may be older than the newest.
    modelVersion: outcomes[0]?.model.version ?? model.version,
    ...(request.id !== undefined && request.id !== '' ? { id: request.id } : {}),
    outputs: encodeOutputs(model, decoded, outcomes, binaryByDefault),
  };
}


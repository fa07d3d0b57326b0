// One Open Inference Protocol request on the dataplane, whichever transport brought it: the
// tensors become sequences (tensor-contract.ts), a sequence request steps its session
// (sequence.ts), any other runs as predict, and the results become the requested outputs.
import type { Config } from '../config.js';
import { InvalidInputError, ModelNotFoundError } from '../errors.js';
import type { Transport } from '../metrics.js';
import type { InferenceService, SequenceOutcome } from '../service/inference-service.js';
import type { ServedModel } from '../service/served-model.js';
import { servedVersion } from './metadata.js';
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
  const model = requireVersion(service.model(request.model), request.version);
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
    outcomes = [await service.predict(model.name, decoded.sequences[0]!, transport)];
  } else {
    outcomes = await service.predictBatch(model.name, decoded.sequences, transport);
  }
  return {
    modelName: model.name,
    modelVersion: servedVersion(model.config),
    ...(request.id !== undefined && request.id !== '' ? { id: request.id } : {}),
    outputs: encodeOutputs(model, decoded, outcomes, binaryByDefault),
  };
}

/** The model, when `version` is empty or the one it serves (MODEL_NOT_FOUND otherwise). */
export function requireVersion<M extends Pick<ServedModel, 'name' | 'config'>>(model: M, version: string | undefined): M {
  if (version === undefined || version === '' || version === servedVersion(model.config)) return model;
  throw versionNotFound(model.name, version, servedVersion(model.config));
}

export function versionNotFound(model: string, version: string, served: string): Error {
  return new ModelNotFoundError(`model '${model}' has no version '${version}'; it serves version '${served}'`);
}

// Triton's sequence extension on the dataplane's sessions: `sequence_id` names a session (the
// same id in every store, so a sequence continues on any replica sharing Redis),
// `sequence_start` creates it (or starts an existing one over), later requests step it, and
// `sequence_end` deletes it after answering. The messages are the ones Triton's clients know.
import { InvalidInputError } from '../errors.js';
import type { Transport } from '../metrics.js';
import type { InferenceService, PredictInput, StepOutcome } from '../service/inference-service.js';
import { decodeSequence, decodeState, type SequenceLimits } from '../codec/inputs.js';
import type { ServedModel } from '../service/served-model.js';
import type { Parameters } from './types.js';

export interface SequenceControl {
  /** The session id. */
  readonly id: string;
  readonly start: boolean;
  readonly end: boolean;
}

export interface SequenceIdLimits {
  /** MAX_SEQUENCE_ID_LENGTH: longest string sequence_id. */
  readonly maxSequenceIdLength: number;
}

/** The request's sequence parameters; undefined when it is not part of a sequence. */
export function readSequenceControl(parameters: Parameters, model: string, limits: SequenceIdLimits): SequenceControl | undefined {
  const start = flag(parameters, 'sequence_start');
  const end = flag(parameters, 'sequence_end');
  const id = sequenceId(parameters.sequence_id, limits);
  if (id === undefined) {
    if (start || end) {
      throw new InvalidInputError(
        `inference request to model '${model}' must specify a non-zero or non-empty correlation ID (parameters.sequence_id) with sequence_start or sequence_end`,
      );
    }
    return undefined;
  }
  return { id, start, end };
}

function flag(parameters: Parameters, name: string): boolean {
  const value = parameters[name];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new InvalidInputError(`parameters.${name} must be true or false`);
  return value;
}

/** 0 and "" mean "no sequence" (the extension's rule); numbers must be exact unsigned integers. */
function sequenceId(value: unknown, limits: SequenceIdLimits): string | undefined {
  if (value === undefined || value === 0 || value === '') return undefined;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new InvalidInputError(
        `parameters.sequence_id ${value} is not an unsigned integer below 2^53 (send larger ids as strings)`,
      );
    }
    return String(value);
  }
  if (typeof value !== 'string') throw new InvalidInputError('parameters.sequence_id must be an unsigned integer or a string');
  if (value.length > limits.maxSequenceIdLength) {
    throw new InvalidInputError(
      `parameters.sequence_id has ${value.length} characters, more than the limit of ${limits.maxSequenceIdLength} (MAX_SEQUENCE_ID_LENGTH)`,
    );
  }
  return value;
}

/** One request of a sequence: B = 1, checked by the caller. */
export async function runSequenceRequest(
  service: InferenceService,
  model: ServedModel,
  control: SequenceControl,
  input: PredictInput,
  limits: SequenceLimits,
  transport: Extract<Transport, 'v2' | 'grpc'>,
): Promise<StepOutcome> {
  const { id } = control;
  const { state, ...sequence } = input;
  if (control.start) {
    // Everything is checked before the first write: a refused start leaves any old session as it was.
    decodeSequence(model, sequence, limits);
    decodeState(model, state);
    await startSession(service, model, id, state);
  } else if (state !== undefined) {
    throw new InvalidInputError(
      `sequence ${id}: state_h and state_c start a sequence, so they go with sequence_start; later requests continue the sequence's own state`,
    );
  }
  let outcome: StepOutcome;
  try {
    outcome = await service.step(id, { ...sequence, model: model.name }, transport);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SESSION_NOT_FOUND') {
      throw new InvalidInputError(
        `inference request for sequence ${id} to model '${model.name}' must specify the START flag on the first request of the sequence (it is unknown, ended or expired)`,
      );
    }
    throw error;
  }
  // Copied: a resident step's outputs and state are its slot's rows, valid for the turn they were
  // answered in, and the response is encoded after more awaits (the delete below frees the slot).
  outcome = { ...outcome, outputs: outcome.outputs.slice(), state: outcome.state.slice() };
  if (control.end) await service.deleteSession(id).catch(ignoreCode('SESSION_NOT_FOUND'));
  return outcome;
}

/** Creates the session `id`, or starts the live one over (zeros or `state`, t = 0). */
async function startSession(service: InferenceService, served: ServedModel, id: string, state: unknown): Promise<void> {
  // The session keeps the version this start ran on (the one named, else the newest).
  const model = served.name;
  const ref = { name: served.name, version: served.version };
  try {
    await service.createSession({ model: ref, id, state });
    return;
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'SESSION_EXISTS') throw error;
  }
  // Same model and version: a reset, in the session's request order. Another model or version
  // (or an unreadable old package): replaced.
  const existing = await service.getSession(id).catch(() => undefined);
  // (A reset moves a session to the newest version, so it serves only a start on that one.)
  const resettable = existing?.session.model === model && existing.model.version === served.version && service.model(model).version === served.version;
  if (resettable) {
    try {
      await service.reset(id, state);
      return;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'SESSION_NOT_FOUND') throw error;
    }
  } else {
    await service.deleteSession(id).catch(ignoreCode('SESSION_NOT_FOUND'));
  }
  await service.createSession({ model: ref, id, state });
}

function ignoreCode(code: string): (error: unknown) => void {
  return (error) => {
    if ((error as { code?: unknown }).code !== code) throw error;
  };
}

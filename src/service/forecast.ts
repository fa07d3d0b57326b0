// Forecasting with a model whose outputs can be its next inputs (output_size = input_size): the
// history runs as one sequence, its last output is the first prediction, and each prediction is
// fed back as the next element, `horizon` times. Feeding back is exactly what a client would do
// by posting each returned (denormalized, float32) prediction as its next input: the same
// arithmetic as input-validation's decodeRows, so the two give identical values.
//
// The state returned (and a session's state) is the one after the history and ALL `horizon`
// predictions, the last one included: t advances by history length + horizon. To forecast from
// a session without advancing it, read its state and post it to the model's forecast instead.
import { InvalidInputError, NonFiniteResultError } from '../errors.js';
import type { InferenceService, RolloutJob, RolloutOutcome, RolloutResult, RunElements, SessionRolloutOutcome } from './inference-service.js';
import { decodeSequence, type DecodedSequence } from '../codec/inputs.js';
import { checkRequestElements } from './request-budget.js';
import type { ModelRef, ServedModel } from './served-model.js';

export interface ForecastInput {
  /** The history: T >= 1 rows of input_size numbers (raw values, normalized here when the package says so). */
  readonly inputs?: unknown;
  /** Binary transports: the history as T x input_size float32 values. */
  readonly vectors?: Float32Array;
  /** How many predictions: an integer in 1..MAX_FORECAST_HORIZON. */
  readonly horizon?: unknown;
}

export interface ForecastLimits {
  /** MAX_FORECAST_HORIZON */
  readonly maxForecastHorizon: number;
  /** MAX_SEQUENCE_LENGTH, for the history. */
  readonly maxSequenceLength: number;
  /** MAX_REQUEST_ELEMENTS, for the history plus horizon (absent: no such limit). */
  readonly maxRequestElements?: number;
}

export interface ForecastResult {
  readonly horizon: number;
  /** horizon x output_size predictions, as the client sees them (denormalized). */
  readonly outputs: Float32Array;
}

export type ForecastOutcome = RolloutOutcome<ForecastResult>;
export type SessionForecastOutcome = SessionRolloutOutcome<ForecastResult>;

/** Forecasts after the history, starting at `state` (JSON {h, c?}; zeros when absent). */
export function forecast(
  inference: InferenceService,
  modelName: ModelRef,
  input: ForecastInput & { readonly state?: unknown },
  limits: ForecastLimits,
): Promise<ForecastOutcome> {
  return inference.rollout(modelName, input.state, new ForecastJob(input, limits));
}

/** Forecasts on a session, in its request order; expectedT as for steps. */
export function forecastInSession(
  inference: InferenceService,
  sessionId: string,
  input: ForecastInput & { readonly expectedT?: number },
  limits: ForecastLimits,
  transport: 'session' | 'stream' = 'session',
): Promise<SessionForecastOutcome> {
  return inference.rolloutInSession(sessionId, input.expectedT, new ForecastJob(input, limits), transport);
}

class ForecastJob implements RolloutJob<ForecastResult> {
  private horizon = 0;
  private history: { model: ServedModel; sequence: DecodedSequence } | undefined;

  constructor(
    private readonly input: ForecastInput,
    private readonly limits: ForecastLimits,
  ) {}

  prepare(model: ServedModel): void {
    if (model.outputSize !== model.inputSize) {
      throw new InvalidInputError(
        `model '${model.name}' cannot forecast: its outputs (output_size ${model.outputSize}) cannot be fed back ` +
          `as its inputs (input_size ${model.inputSize}); forecasting needs output_size = input_size`,
      );
    }
    this.horizon = parseHorizon(this.input.horizon, this.limits);
    if (this.history?.model !== model) this.history = { model, sequence: decodeHistory(model, this.input, this.limits) };
    const historySteps = this.history.sequence.steps;
    checkRequestElements(this.limits, historySteps + this.horizon, `the history of ${historySteps} elements plus horizon ${this.horizon} is`);
  }

  async execute(model: ServedModel, state: Float32Array, run: RunElements): Promise<RolloutResult<ForecastResult>> {
    const { horizon } = this;
    const history = this.history!.sequence;
    const O = model.outputSize;
    const outputNorm = model.outputNormalization;
    const inputNorm = model.inputNormalization;
    const outputs = new Float32Array(horizon * O);
    // One input row, reused: the scheduler is done with it once its promise resolves.
    const next = new Float32Array(O);

    let result = await run(history.x, history.steps, state);
    let last = result.outputs.subarray((history.steps - 1) * O);
    for (let k = 0; k < horizon; k++) {
      const base = k * O;
      for (let j = 0; j < O; j++) {
        // As the service answers it (InferenceService.finish), then as it would read it back (decodeRows).
        outputs[base + j] = outputNorm === undefined ? last[j] : last[j] * outputNorm.std[j] + outputNorm.mean[j];
        const v = outputs[base + j];
        next[j] = inputNorm === undefined ? v : (v - inputNorm.mean[j]) / inputNorm.std[j];
        if (!Number.isFinite(v) || !Number.isFinite(next[j])) {
          // What the service's guard does for every engine result, for the values only this job makes.
          throw new NonFiniteResultError(
            `the computation overflowed float32: the forecast's outputs[${k}][${j}] is ${v}, which is not a finite float32 ` +
              `input once normalized, so it cannot be fed back to model '${model.name}'; nothing was answered and nothing was changed`,
          );
        }
      }
      // Fed back even after the last prediction: the state must have consumed every prediction returned.
      result = await run(next, 1, result.state);
      last = result.outputs;
    }
    return { steps: history.steps + horizon, state: result.state, result: { horizon, outputs } };
  }
}

function parseHorizon(horizon: unknown, limits: ForecastLimits): number {
  if (typeof horizon !== 'number' || !Number.isInteger(horizon) || horizon < 1 || horizon > limits.maxForecastHorizon) {
    const range = `an integer in 1..${limits.maxForecastHorizon} (MAX_FORECAST_HORIZON)`;
    throw new InvalidInputError(
      horizon === undefined || horizon === null
        ? `horizon is required: ${range}`
        : `horizon ${JSON.stringify(horizon) ?? String(horizon)} is not ${range}`,
    );
  }
  return horizon;
}

function decodeHistory(model: ServedModel, input: ForecastInput, limits: ForecastLimits): DecodedSequence {
  const hasInputs = input.inputs !== undefined && input.inputs !== null;
  if (hasInputs === (input.vectors !== undefined)) {
    throw new InvalidInputError(
      hasInputs ? 'the history is given twice' : `inputs (the history, at least one row) is required to forecast with model '${model.name}'`,
    );
  }
  return decodeSequence(model, hasInputs ? { inputs: input.inputs } : { vectors: input.vectors! }, limits);
}

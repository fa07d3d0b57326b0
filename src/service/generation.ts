// Text generation with a token model (config `vocab`, output_size = vocabulary size): the prompt
// runs as one sequence, then each sampled token is fed back one element at a time. The state
// returned (and a session's state) is the one after the prompt and EVERY generated token, the
// last one included, so t advances by prompt length + tokens generated and a client can go on
// from it with new tokens as if it had sent all of them itself.
//
// Transports call generate / generateInSession; onToken streams the tokens as they are chosen.
import { InvalidInputError } from '../errors.js';
import { StopMatcher } from './generation-stop.js';
import { parseGenerationParams, type GenerationLimits, type GenerationParamsInput, type GenerationPlan } from './generation-request.js';
import type { InferenceService, RolloutJob, RolloutOutcome, RolloutResult, RunElements, SessionRolloutOutcome } from './inference-service.js';
import { decodeSequence, type DecodedSequence } from '../codec/inputs.js';
import { checkRequestElements } from './request-budget.js';
import { readsAsProbabilities, TokenSampler } from './sampling.js';
import { createSeededRandom } from './sampling-rng.js';
import type { ModelRef, ServedModel } from './served-model.js';

export type { GenerationLimits } from './generation-request.js';

export interface GenerateInput extends GenerationParamsInput {
  /** The prompt: exactly one of text (one token per character) and tokens (ids or vocabulary entries). */
  readonly text?: unknown;
  readonly tokens?: unknown;
  /** The prompt's entries outside the vocabulary: "error" (default), "drop" or "replace" (input-validation.ts). */
  readonly unknown?: unknown;
}

export interface GeneratedToken {
  /** 0 for the first generated token. */
  readonly index: number;
  readonly id: number;
  /** Its vocabulary entry. */
  readonly token: string;
}

export interface GenerationHooks {
  /**
   * Called with each token as soon as it is chosen (before it is fed back), awaited before the
   * next. Tokens are raw: the stop string is streamed too; the final text excludes it.
   */
  readonly onToken?: (token: GeneratedToken) => void | Promise<void>;
}

export type FinishReason = 'length' | 'stop';

export interface GenerationResult {
  /** The generated text, cut before the stop string when one ended generation. */
  readonly text: string;
  /** Ids of every generated token, the stop string's included: all of them were fed back. */
  readonly tokens: number[];
  readonly finishReason: FinishReason;
  /** The stop string that ended generation (finishReason 'stop'). */
  readonly stopSequence?: string;
  /** The seed used (the request's, or the one drawn for it). */
  readonly seed: number;
}

export type GenerationOutcome = RolloutOutcome<GenerationResult>;
export type SessionGenerationOutcome = SessionRolloutOutcome<GenerationResult>;

/** Generates from the prompt, starting at `state` (JSON {h, c?}; zeros when absent). */
export function generate(
  inference: InferenceService,
  modelName: ModelRef,
  input: GenerateInput & { readonly state?: unknown },
  limits: GenerationLimits,
  hooks: GenerationHooks = {},
): Promise<GenerationOutcome> {
  return inference.rollout(modelName, input.state, new GenerationJob(input, limits, hooks));
}

/** Generates on a session, in its request order; expectedT as for steps. */
export function generateInSession(
  inference: InferenceService,
  sessionId: string,
  input: GenerateInput & { readonly expectedT?: number },
  limits: GenerationLimits,
  hooks: GenerationHooks = {},
  transport: 'session' | 'stream' = 'session',
): Promise<SessionGenerationOutcome> {
  return inference.rolloutInSession(sessionId, input.expectedT, new GenerationJob(input, limits, hooks), transport);
}

class GenerationJob implements RolloutJob<GenerationResult> {
  private plan: GenerationPlan | undefined;
  private prompt: { model: ServedModel; sequence: DecodedSequence } | undefined;

  constructor(
    private readonly input: GenerateInput,
    private readonly limits: GenerationLimits,
    private readonly hooks: GenerationHooks,
  ) {}

  prepare(model: ServedModel): void {
    checkCanGenerate(model);
    // Once: a drawn seed must not change when a session write is retried.
    this.plan ??= parseGenerationParams(this.input, this.limits);
    if (this.prompt?.model !== model) this.prompt = { model, sequence: decodePrompt(model, this.input, this.limits) };
    const promptSteps = this.prompt.sequence.steps;
    const { maxTokens } = this.plan;
    checkRequestElements(this.limits, promptSteps + maxTokens, `the prompt of ${promptSteps} elements plus max_tokens ${maxTokens} is`);
  }

  async execute(model: ServedModel, state: Float32Array, run: RunElements): Promise<RolloutResult<GenerationResult>> {
    const plan = this.plan!;
    const prompt = this.prompt!.sequence;
    const vocab = model.config.vocab!;
    const { inputSize: I, outputSize: O } = model;
    const table = embeddingTable(model);
    const probabilities = readsAsProbabilities(model.network.spec.outputActivation);
    const sampler = new TokenSampler(O, probabilities, plan.sampling, createSeededRandom(plan.seed));
    const stop = new StopMatcher(plan.stop);

    let result = await run(prompt.x, prompt.steps, state);
    let distribution = result.outputs.subarray((prompt.steps - 1) * O);
    const tokens: number[] = [];
    while (tokens.length < plan.maxTokens) {
      const id = sampler.pick(distribution);
      tokens.push(id);
      await this.hooks.onToken?.({ index: tokens.length - 1, id, token: vocab[id]! });
      // Fed back even when it is the last one: the state must have consumed every returned token.
      result = await run(table.subarray(id * I, (id + 1) * I), 1, result.state);
      distribution = result.outputs;
      if (stop.push(vocab[id]!)) break;
    }
    const stopped = stop.stopped;
    return {
      steps: prompt.steps + tokens.length,
      state: result.state,
      result: {
        text: stop.text,
        tokens,
        finishReason: stopped === undefined ? 'length' : 'stop',
        ...(stopped !== undefined ? { stopSequence: stopped.stop } : {}),
        seed: plan.seed,
      },
    };
  }
}

/** A model generates when it has a vocabulary and its outputs are one score per vocabulary entry. */
function checkCanGenerate(model: ServedModel): void {
  const vocab = model.config.vocab;
  if (vocab === undefined) {
    throw new InvalidInputError(`model '${model.name}' has no vocabulary (config vocab), so it cannot generate tokens`);
  }
  if (model.outputSize !== vocab.length) {
    throw new InvalidInputError(
      `model '${model.name}' cannot generate: its output_size ${model.outputSize} is not its vocabulary size ${vocab.length}, ` +
        'so its outputs are not a distribution over the next token',
    );
  }
}

function decodePrompt(model: ServedModel, input: GenerateInput, limits: GenerationLimits): DecodedSequence {
  const hasText = input.text !== undefined && input.text !== null;
  const hasTokens = input.tokens !== undefined && input.tokens !== null;
  if (hasText === hasTokens) {
    throw new InvalidInputError(
      hasText
        ? 'the prompt is given twice: send text or tokens, not both'
        : `the prompt is required: send text or tokens (model '${model.name}')`,
    );
  }
  const prompt = hasText ? { text: input.text } : { tokens: input.tokens };
  return decodeSequence(model, input.unknown !== undefined ? { ...prompt, unknown: input.unknown } : prompt, limits);
}

const embeddingTables = new WeakMap<ServedModel, Float32Array>();

/** Every vocabulary entry's embedding row (V x input_size), computed once per loaded model. */
function embeddingTable(model: ServedModel): Float32Array {
  let table = embeddingTables.get(model);
  if (table === undefined) {
    const V = model.config.vocab!.length;
    table = model.network.embed(Int32Array.from({ length: V }, (_, id) => id));
    embeddingTables.set(model, table);
  }
  return table;
}

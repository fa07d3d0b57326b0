// A generation request's parameters, checked and resolved with defaults. Nothing here trusts a
// type: WebSocket messages reach it without a schema. Messages name the wire fields.
import { InvalidInputError } from '../errors.js';
import { drawSeed, MAX_SEED } from './sampling-rng.js';
import type { SamplingParams } from './sampling.js';

/** The fields of a generation request besides the prompt (camelCase here, snake_case on the wire). */
export interface GenerationParamsInput {
  readonly maxTokens?: unknown;
  readonly temperature?: unknown;
  readonly topK?: unknown;
  readonly topP?: unknown;
  readonly seed?: unknown;
  readonly stop?: unknown;
}

export interface GenerationLimits {
  /** MAX_GENERATE_TOKENS */
  readonly maxGenerateTokens: number;
  /** MAX_SEQUENCE_LENGTH, for the prompt. */
  readonly maxSequenceLength: number;
  /** MAX_REQUEST_ELEMENTS, for the prompt plus max_tokens (absent: no such limit). */
  readonly maxRequestElements?: number;
}

export interface GenerationPlan {
  readonly maxTokens: number;
  readonly sampling: SamplingParams;
  /** The request's seed, or one drawn for it. */
  readonly seed: number;
  readonly stop: readonly string[];
}

export const GENERATION_DEFAULTS = { maxTokens: 16, temperature: 1, topK: 0, topP: 1 } as const;
export const MAX_STOP_STRINGS = 4;
export const MAX_STOP_LENGTH = 64;

export function parseGenerationParams(input: GenerationParamsInput, limits: GenerationLimits): GenerationPlan {
  const maxTokens = input.maxTokens ?? GENERATION_DEFAULTS.maxTokens;
  if (!isInteger(maxTokens) || maxTokens < 1 || maxTokens > limits.maxGenerateTokens) {
    throw new InvalidInputError(
      `max_tokens ${show(maxTokens)} is not an integer in 1..${limits.maxGenerateTokens} (MAX_GENERATE_TOKENS)`,
    );
  }
  const temperature = input.temperature ?? GENERATION_DEFAULTS.temperature;
  if (typeof temperature !== 'number' || !Number.isFinite(temperature) || temperature < 0) {
    throw new InvalidInputError(`temperature ${show(temperature)} is not a finite number >= 0 (0 picks the most likely token)`);
  }
  const topK = input.topK ?? GENERATION_DEFAULTS.topK;
  if (!isInteger(topK) || topK < 0) {
    throw new InvalidInputError(`top_k ${show(topK)} is not an integer >= 0 (0 turns it off)`);
  }
  const topP = input.topP ?? GENERATION_DEFAULTS.topP;
  if (typeof topP !== 'number' || !(topP > 0 && topP <= 1)) {
    throw new InvalidInputError(`top_p ${show(topP)} is not a number in (0, 1] (1 turns it off)`);
  }
  const seed = input.seed ?? drawSeed();
  if (!isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new InvalidInputError(`seed ${show(seed)} is not an integer in 0..${MAX_SEED}`);
  }
  return { maxTokens, sampling: { temperature, topK, topP }, seed, stop: parseStop(input.stop) };
}

function parseStop(stop: unknown): string[] {
  if (stop === undefined || stop === null) return [];
  if (!Array.isArray(stop) || stop.length > MAX_STOP_STRINGS) {
    throw new InvalidInputError(`stop must be an array of at most ${MAX_STOP_STRINGS} strings`);
  }
  stop.forEach((entry: unknown, i) => {
    if (typeof entry !== 'string' || entry.length === 0 || entry.length > MAX_STOP_LENGTH) {
      throw new InvalidInputError(`stop[${i}] must be a non-empty string of at most ${MAX_STOP_LENGTH} characters`);
    }
  });
  return stop as string[];
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function show(value: unknown): string {
  return typeof value === 'number' ? String(value) : JSON.stringify(value) ?? String(value);
}

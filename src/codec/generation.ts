// A generate request and its result between the wire's snake_case and the service's names, for
// REST (routes/generate.ts) and the stream's generate message (src/stream/messages.ts) alike.
// The values pass unchecked: the generation helper checks each one against the model and names
// it (by its wire name) in its errors.
import type { GenerateInput, GenerationResult } from '../service/generation.js';

/** The wire fields of a generate request's prompt and sampling parameters. */
export interface GenerateWireFields {
  readonly text?: unknown;
  readonly tokens?: unknown;
  readonly max_tokens?: unknown;
  readonly temperature?: unknown;
  readonly top_k?: unknown;
  readonly top_p?: unknown;
  readonly seed?: unknown;
  readonly stop?: unknown;
  /** What to do with text characters outside the vocabulary (error, drop, replace). */
  readonly unknown?: unknown;
}

export function generateInputFromWire(fields: GenerateWireFields): GenerateInput {
  return {
    text: fields.text,
    tokens: fields.tokens,
    maxTokens: fields.max_tokens,
    temperature: fields.temperature,
    topK: fields.top_k,
    topP: fields.top_p,
    seed: fields.seed,
    stop: fields.stop,
    ...(fields.unknown !== undefined ? { unknown: fields.unknown } : {}),
  };
}

/** A generation's answer fields, in the order api.md shows them. */
export function generationToJson(result: GenerationResult): {
  text: string;
  tokens: number[];
  finish_reason: GenerationResult['finishReason'];
  stop_sequence?: string;
  seed: number;
} {
  return {
    text: result.text,
    tokens: result.tokens,
    finish_reason: result.finishReason,
    ...(result.stopSequence !== undefined ? { stop_sequence: result.stopSequence } : {}),
    seed: result.seed,
  };
}

// Bodies of POST /v1/models/{model}/generate and POST /v1/sessions/{id}/generate.
import { Type, type Static } from 'typebox';
import { State, STRICT, ref, unknownPolicy } from './common.js';

const promptAndSampling = {
  text: Type.Optional(Type.String({ description: 'The prompt, one token per character (Unicode code point). Give text or tokens.' })),
  tokens: Type.Optional(
    Type.Array(Type.Union([Type.Integer({ minimum: 0 }), Type.String()]), {
      description: 'The prompt as token ids or vocabulary entries. Give text or tokens.',
    }),
  ),
  unknown: Type.Optional(unknownPolicy()),
  max_tokens: Type.Optional(
    Type.Integer({ minimum: 1, default: 16, description: 'Most tokens to generate; at most the server\'s MAX_GENERATE_TOKENS' }),
  ),
  temperature: Type.Optional(
    Type.Number({
      minimum: 0,
      default: 1,
      description: 'Sharpens (< 1) or flattens (> 1) the distribution: p^(1/T) renormalised. 0: always the most likely token',
    }),
  ),
  top_k: Type.Optional(Type.Integer({ minimum: 0, default: 0, description: 'Sample among the k most likely tokens only; 0: off' })),
  top_p: Type.Optional(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 1,
      default: 1,
      description: 'Sample among the fewest most likely tokens whose probability reaches p (nucleus sampling); 1: off',
    }),
  ),
  seed: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 0xffffffff,
      description: 'Same seed and same request, same tokens. Absent: one is drawn and returned',
    }),
  ),
  stop: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 64 }), {
      maxItems: 4,
      description: 'Generation ends when the generated text contains one of these; the returned text stops before it',
    }),
  ),
};

const generationResult = {
  text: Type.String({ description: 'The generated text (not the prompt), cut before the stop string if one ended it' }),
  tokens: Type.Array(Type.Integer(), {
    description: 'Ids of every generated token, a stop string\'s included; the state has consumed all of them',
  }),
  finish_reason: Type.Enum(['length', 'stop'], { description: 'length: max_tokens were generated; stop: a stop string appeared' }),
  stop_sequence: Type.Optional(Type.String({ description: 'The stop string that ended generation' })),
  seed: Type.Integer({ description: 'The seed used: send it again to get the same tokens' }),
};

export const GenerateRequest = Type.Object(
  {
    ...promptAndSampling,
    state: Type.Optional(ref(State)),
    return_state: Type.Optional(Type.Boolean({ description: 'false: leave the state out of the answer', default: true })),
  },
  {
    $id: 'GenerateRequest',
    description: 'A prompt (text or tokens), sampling parameters and an optional start state (zeros otherwise)',
    ...STRICT,
  },
);
export type GenerateRequest = Static<typeof GenerateRequest>;

export const GenerateResponse = Type.Object(
  {
    model: Type.String(),
    ...generationResult,
    state: Type.Optional(ref(State)),
  },
  {
    $id: 'GenerateResponse',
    description: 'The generated tokens, and the state after the prompt and every generated token (the last one included)',
  },
);
export type GenerateResponse = Static<typeof GenerateResponse>;

export const SessionGenerateRequest = Type.Object(
  {
    ...promptAndSampling,
    expected_t: Type.Optional(
      Type.Integer({ minimum: 0, description: "Refuse with 409 (changing nothing) unless this is the session's t" }),
    ),
    return_state: Type.Optional(Type.Boolean({ description: 'Include the new state in the answer', default: false })),
  },
  {
    $id: 'SessionGenerateRequest',
    description: "A prompt (text or tokens) and sampling parameters; generation starts at the session's state",
    ...STRICT,
  },
);
export type SessionGenerateRequest = Static<typeof SessionGenerateRequest>;

export const SessionGenerateResponse = Type.Object(
  {
    session_id: Type.String(),
    t: Type.Integer({ description: 'The session t after the prompt and every generated token' }),
    ...generationResult,
    state: Type.Optional(ref(State)),
  },
  { $id: 'SessionGenerateResponse' },
);
export type SessionGenerateResponse = Static<typeof SessionGenerateResponse>;

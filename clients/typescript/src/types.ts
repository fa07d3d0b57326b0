// The API's request and answer types under short names. They come from openapi-types.ts, which
// `npm run openapi` generates from openapi/openapi.json with openapi-typescript: when the API
// changes, the client's types change with it, and test/redis/client-typescript.test.ts fails while the
// committed file is stale.
import type { components } from './openapi-types.js';

type Schemas = components['schemas'];

export type ModelInfo = Schemas['ModelInfo'];
export type ModelList = Schemas['ModelList'];
export type State = Schemas['State'];
export type PredictResponse = Schemas['PredictResponse'];
export type PredictBatchResponse = Schemas['PredictBatchResponse'];
export type SequenceResult = Schemas['SequenceResult'];
export type SessionInfo = Schemas['Session'];
export type SessionWithState = Schemas['SessionWithState'];
export type StepResponse = Schemas['StepResponse'];
export type GenerateRequest = Schemas['GenerateRequest'];
export type GenerateResponse = Schemas['GenerateResponse'];
export type SessionGenerateRequest = Schemas['SessionGenerateRequest'];
export type SessionGenerateResponse = Schemas['SessionGenerateResponse'];
export type ForecastResponse = Schemas['ForecastResponse'];
export type SessionForecastResponse = Schemas['SessionForecastResponse'];
export type Readiness = Schemas['Readiness'];
export type ErrorResponse = Schemas['ErrorResponse'];

/** One element: input_size numbers (a Float32Array works too). */
export type Vector = readonly number[] | Float32Array;
/** A token: its id or its vocabulary entry. */
export type Token = number | string;
/** What a model consumes: vectors, or for token models text (one token per character) or tokens. */
export type Inputs = readonly Vector[] | { readonly text: string } | { readonly tokens: readonly Token[] };

/** Sampling parameters of generate (the server's names and defaults). */
export type GenerateOptions = Partial<Omit<GenerateRequest, 'text' | 'tokens' | 'state' | 'return_state'>>;

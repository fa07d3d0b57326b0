// What a model consumes, as the request fields the API takes: `inputs` (vectors as plain arrays,
// Float32Arrays included), `text` or `tokens`.
import type { Inputs, Vector } from './types.js';

export function inputsBody(inputs: Inputs | { readonly inputs: readonly Vector[] }): Record<string, unknown> {
  if ('text' in inputs) return { text: inputs.text };
  if ('tokens' in inputs) return { tokens: inputs.tokens };
  const rows = 'inputs' in inputs ? inputs.inputs : (inputs as readonly Vector[]);
  return { inputs: rows.map((row) => Array.from(row)) };
}

// How the errors of a batch of sequences name what they refuse. /v1's predict body holds a
// `sequences` array; an Open Inference Protocol request holds one input tensor whose first
// dimension is the batch, and its client never wrote a field called `sequences`. The limits and
// the checks are the same for both (request-budget.ts, finite-results.ts); only the words differ.

export interface BatchNaming {
  /** The batch as a whole: "sequences", or "input 'input' (its first dimension)". */
  readonly batch: string;
  /** Sequences 0..i together: "sequences[0..3]". */
  readonly firstItems: (i: number) => string;
  /** The prefix of what belongs to sequence i (its fields, its results): "sequences[2].". */
  readonly item: (i: number) => string;
}

/** POST /v1/models/{model}/predict with {"sequences": [...]}. */
export const JSON_SEQUENCES: BatchNaming = {
  batch: 'sequences',
  firstItems: (i) => `sequences[0..${i}]`,
  item: (i) => `sequences[${i}].`,
};

/** An inference request whose sequence input tensor `input` (input, tokens or text) is batched. */
export function tensorBatch(input: string): BatchNaming {
  return {
    batch: `input '${input}' (its first dimension)`,
    firstItems: (i) => `sequences 0..${i} of input '${input}'`,
    item: (i) => `sequence ${i} of input '${input}': `,
  };
}

// Limits on the total work of one request (MAX_REQUEST_ELEMENTS, MAX_BATCH_SEQUENCES), as opposed
// to the per-field limits of input-validation.ts (MAX_SEQUENCE_LENGTH, MAX_GENERATE_TOKENS, ...).
// One request may run at most maxRequestElements elements whatever their shape: one sequence,
// the sequences of a batch together, a prompt plus the tokens to generate, a history plus the
// predictions to make. That bounds its compute and its answer (elements x output_size numbers),
// which per-field limits cannot: 8 sequences of MAX_SEQUENCE_LENGTH were a 107 MB answer.
import { RequestTooLargeError } from '../errors.js';

export interface RequestBudget {
  /** MAX_REQUEST_ELEMENTS; absent: no limit (library callers that bound work themselves). */
  readonly maxRequestElements?: number;
}

/** Refuses with 413 REQUEST_TOO_LARGE when `elements` exceed the budget; `what` describes them. */
export function checkRequestElements(budget: RequestBudget, elements: number, what: string): void {
  const limit = budget.maxRequestElements;
  if (limit === undefined || elements <= limit) return;
  throw new RequestTooLargeError(
    `${what} ${elements} elements, more than the limit of ${limit} one request may run (MAX_REQUEST_ELEMENTS); ` +
      'send them in several requests (a session carries the state from one to the next)',
  );
}

/** Refuses a batch of more than maxBatchSequences sequences (MAX_BATCH_SEQUENCES); `batch` names it. */
export function checkBatchSize(count: number, maxBatchSequences: number, batch = 'sequences'): void {
  if (count <= maxBatchSequences) return;
  throw new RequestTooLargeError(
    `${batch} has ${count} sequences, more than the limit of ${maxBatchSequences} per request (MAX_BATCH_SEQUENCES); ` +
      'send them in several requests',
  );
}

import { Type, type Static } from 'typebox';
import { matrix, SequenceFields, State, STRICT, ref } from './common.js';

export const PredictSequence = Type.Object(
  { ...SequenceFields, state: Type.Optional(ref(State)) },
  {
    $id: 'PredictSequence',
    description: 'One sequence (exactly one of inputs, tokens, text) and an optional initial state (zeros otherwise)',
    ...STRICT,
  },
);
export type PredictSequence = Static<typeof PredictSequence>;

// One object with optional fields rather than a oneOf: validation errors stay precise
// ("sequences[1].inputs[2] ...") and the service says which fields go together.
export const PredictRequest = Type.Object(
  {
    ...PredictSequence.properties,
    sequences: Type.Optional(
      Type.Array(ref(PredictSequence), { description: 'Batch form: several independent sequences, lengths may differ' }),
    ),
  },
  {
    $id: 'PredictRequest',
    description: 'Either one sequence (inputs, tokens or text; state) or a batch (sequences), not both',
    ...STRICT,
  },
);
export type PredictRequest = Static<typeof PredictRequest>;

export const SequenceResult = Type.Object(
  {
    outputs: matrix('T x output_size, one row per element'),
    state: ref(State),
  },
  { $id: 'SequenceResult', description: 'Outputs of one sequence and the state after its last element' },
);
export type SequenceResult = Static<typeof SequenceResult>;

export const PredictResponse = Type.Object(
  { model: Type.String(), outputs: matrix('T x output_size, one row per element'), state: ref(State) },
  { $id: 'PredictResponse', description: 'Answer to a single-sequence request' },
);
export type PredictResponse = Static<typeof PredictResponse>;

export const PredictBatchResponse = Type.Object(
  { model: Type.String(), results: Type.Array(ref(SequenceResult), { description: 'In the order of sequences' }) },
  { $id: 'PredictBatchResponse', description: 'Answer to a batch request' },
);
export type PredictBatchResponse = Static<typeof PredictBatchResponse>;

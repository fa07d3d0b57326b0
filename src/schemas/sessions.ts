import { Type, type Static } from 'typebox';
import { matrix, SequenceFields, State, STRICT, ref } from './common.js';

export const CreateSessionRequest = Type.Object(
  {
    model: Type.String({ minLength: 1 }),
    version: Type.Optional(
      Type.String({
        pattern: '^(0|[1-9][0-9]{0,15})$',
        description: 'The model version to run on (default: the newest ready one); the session keeps it until a reset',
      }),
    ),
    state: Type.Optional(ref(State)),
    ttl_seconds: Type.Optional(
      Type.Integer({ minimum: 1, description: "Idle time before the session expires; at most the server's SESSION_TTL_SECONDS" }),
    ),
  },
  { $id: 'CreateSessionRequest', ...STRICT },
);
export type CreateSessionRequest = Static<typeof CreateSessionRequest>;

const sessionFields = {
  session_id: Type.String(),
  model: Type.String(),
  model_version: Type.Optional(Type.String({ description: 'The model version the session runs on (a reset moves it to the newest)' })),
  t: Type.Integer({ description: 'Elements consumed so far' }),
  created_at: Type.String({ format: 'date-time' }),
  expires_at: Type.String({ format: 'date-time', description: 'When the session expires unless used again' }),
  ttl_seconds: Type.Integer({ description: 'Idle time to live' }),
};

export const Session = Type.Object(sessionFields, { $id: 'Session', description: 'A stateful sequence' });
export type Session = Static<typeof Session>;

export const SessionWithState = Type.Object(
  { ...sessionFields, state: ref(State) },
  { $id: 'SessionWithState', description: 'A session and its current state' },
);
export type SessionWithState = Static<typeof SessionWithState>;

export const StepRequest = Type.Object(
  {
    ...SequenceFields,
    expected_t: Type.Optional(
      Type.Integer({ minimum: 0, description: "Refuse with 409 (changing nothing) unless this is the session's t" }),
    ),
    return_state: Type.Optional(Type.Boolean({ description: 'Include the new state in the answer', default: false })),
  },
  { $id: 'StepRequest', description: 'Elements to feed the session: exactly one of inputs, tokens, text', ...STRICT },
);
export type StepRequest = Static<typeof StepRequest>;

export const StepResponse = Type.Object(
  {
    session_id: Type.String(),
    t: Type.Integer({ description: 'The session t after these elements' }),
    outputs: matrix('One row per element fed, T x output_size'),
    state: Type.Optional(ref(State)),
  },
  { $id: 'StepResponse' },
);
export type StepResponse = Static<typeof StepResponse>;

export const ResetRequest = Type.Object(
  { state: Type.Optional(ref(State)) },
  { $id: 'ResetRequest', description: 'Start over at t = 0 from this state (zeros when absent)', ...STRICT },
);
export type ResetRequest = Static<typeof ResetRequest>;

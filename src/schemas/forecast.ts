// Bodies of POST /v1/models/{model}/forecast and POST /v1/sessions/{id}/forecast.
import { Type, type Static } from 'typebox';
import { State, STRICT, matrix, ref } from './common.js';

const historyAndHorizon = {
  inputs: matrix('The history: T >= 1 rows of input_size values, run before the first prediction'),
  horizon: Type.Integer({
    minimum: 1,
    description: "How many predictions, each fed back as the next input; at most the server's MAX_FORECAST_HORIZON",
  }),
};

const predictions = matrix('horizon x output_size: prediction k is the output after the history and predictions 0..k-1');

export const ForecastRequest = Type.Object(
  { ...historyAndHorizon, state: Type.Optional(ref(State)), return_state: Type.Optional(Type.Boolean({ description: 'false: leave the state out of the answer', default: true })), },
  { $id: 'ForecastRequest', description: 'A history, a horizon and an optional start state (zeros otherwise)', ...STRICT },
);
export type ForecastRequest = Static<typeof ForecastRequest>;

export const ForecastResponse = Type.Object(
  { model: Type.String(), outputs: predictions, state: Type.Optional(ref(State)) },
  {
    $id: 'ForecastResponse',
    description: 'The predictions, and the state after the history and every prediction (the last one included)',
  },
);
export type ForecastResponse = Static<typeof ForecastResponse>;

export const SessionForecastRequest = Type.Object(
  {
    ...historyAndHorizon,
    expected_t: Type.Optional(
      Type.Integer({ minimum: 0, description: "Refuse with 409 (changing nothing) unless this is the session's t" }),
    ),
    return_state: Type.Optional(Type.Boolean({ description: 'Include the new state in the answer', default: false })),
  },
  { $id: 'SessionForecastRequest', description: "A history and a horizon; the forecast starts at the session's state", ...STRICT },
);
export type SessionForecastRequest = Static<typeof SessionForecastRequest>;

export const SessionForecastResponse = Type.Object(
  {
    session_id: Type.String(),
    t: Type.Integer({ description: 'The session t after the history and every prediction' }),
    outputs: predictions,
    state: Type.Optional(ref(State)),
  },
  { $id: 'SessionForecastResponse' },
);
export type SessionForecastResponse = Static<typeof SessionForecastResponse>;

import { Type, type Static } from 'typebox';

export const Liveness = Type.Object({ status: Type.Literal('ok') }, { $id: 'Liveness' });
export type Liveness = Static<typeof Liveness>;

export const Readiness = Type.Object(
  {
    status: Type.Enum(['ready', 'not_ready']),
    reason: Type.Optional(Type.String({ description: 'Why the server is not ready' })),
    models_ready: Type.Integer(),
    models_failed: Type.Integer(),
    session_store: Type.String({ description: '"ok" or what went wrong' }),
  },
  { $id: 'Readiness' },
);
export type Readiness = Static<typeof Readiness>;

import { Type, type Static } from 'typebox';

export const ServiceIndex = Type.Object(
  {
    name: Type.String(),
    version: Type.String(),
    description: Type.String(),
    docs: Type.String({ description: 'The browsable API documentation' }),
    openapi: Type.String({ description: 'The OpenAPI document of the HTTP API' }),
    playground: Type.String({ description: 'A page to try the models in a browser' }),
    models: Type.String({ description: 'The loaded models; each model has predict, sessions, generate, forecast and stream' }),
    health: Type.String({ description: 'Liveness probe' }),
    ready: Type.String({ description: 'Readiness probe' }),
    metrics: Type.String({ description: 'Prometheus metrics' }),
  },
  { $id: 'ServiceIndex', description: 'Where the API starts: paths of its entry points' },
);
export type ServiceIndex = Static<typeof ServiceIndex>;

// Schemas shared by several routes. Each has an $id: it is registered once with app.addSchema
// and routes point at it with ref(), so the OpenAPI document names it instead of inlining it.
import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';

/** The $id of a shared schema (typebox keeps it at run time only). */
export function schemaId(schema: TSchema): string {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('a shared schema needs an $id');
  return id;
}

/** A `$ref` to a shared schema that keeps the schema's static type (Type.Ref alone types as unknown). */
export function ref<T extends TSchema>(schema: T): TUnsafe<Static<T>> {
  return Type.Unsafe<Static<T>>(Type.Ref(schemaId(schema)));
}

export const ErrorResponse = Type.Object(
  {
    statusCode: Type.Integer({ description: 'The HTTP status, repeated' }),
    code: Type.String({ description: 'Machine-readable error code, e.g. MODEL_NOT_FOUND', examples: ['INVALID_INPUT'] }),
    error: Type.String({ description: 'The HTTP status text', examples: ['Bad Request'] }),
    message: Type.String({
      description: 'What was wrong and where',
      examples: ["inputs[3] has 2 values, model 'gru' expects 3"],
    }),
  },
  { $id: 'ErrorResponse', description: 'Every error has this shape' },
);
export type ErrorResponse = Static<typeof ErrorResponse>;

/** A route's answer for one error status: the shared shape, with what it means there. */
export function errorResponse(description: string): TUnsafe<ErrorResponse> {
  return Type.Unsafe<ErrorResponse>({ $ref: schemaId(ErrorResponse), description });
}

/**
 * The options every request body's object schemas share: a field the request does not have (a
 * typo: "input", "max_token") is refused with 400 naming it, instead of being silently ignored.
 */
export const STRICT = { additionalProperties: false } as const;

/** Rows of numbers. Row widths depend on the model, so the service checks them, not the schema. */
export function matrix(description: string) {
  return Type.Array(Type.Array(Type.Number()), { description });
}

export const State = Type.Object(
  {
    h: matrix('num_layers x hidden_size (2 x num_layers rows for a bidirectional model: layer 0 forward, layer 0 backward, ...)'),
    c: Type.Optional(matrix('num_layers x hidden_size; lstm only')),
  },
  {
    $id: 'State',
    description: 'A recurrent state: PyTorch h_n (and c_n for lstm) without the batch axis',
    additionalProperties: false,
  },
);
export type State = Static<typeof State>;

/**
 * One sequence, given as exactly one of inputs, tokens or text. Its properties are spread into
 * the request bodies that accept a sequence (predict, steps), so they stay flat as api.md says.
 */
export const SequenceFields = {
  inputs: Type.Optional(matrix('T x input_size vectors, one row per element')),
  tokens: Type.Optional(
    Type.Array(Type.Union([Type.Integer({ minimum: 0 }), Type.String()]), {
      description: 'Token models only: ids or vocabulary entries, one per element',
    }),
  ),
  text: Type.Optional(
    Type.String({ description: 'Token models only: split into characters (Unicode code points), one per element' }),
  ),
  unknown: Type.Optional(unknownPolicy()),
};

/** The `unknown` field of every request that takes text or tokens. */
export function unknownPolicy() {
  return Type.Enum(['error', 'drop', 'replace'], {
    // No schema default: Ajv would fill it in, and a batch must not carry one at its top level.
    description:
      'Characters of text (and strings in tokens) outside the vocabulary: error (the default: 400 naming them and their positions), ' +
      "drop (left out), or replace (by the package's unk_token; refused when it has none)",
  });
}

export const ModelParams = Type.Object({
  model: Type.String({ description: 'Model name (its folder name)', minLength: 1 }),
});

/**
 * The params of a model route in both its forms: /models/{model}/... (the newest ready version)
 * and /models/{model}/versions/{version}/... (that version).
 */
export const ModelVersionParams = Type.Object({
  model: Type.String({ description: 'Model name (its folder name)', minLength: 1 }),
  version: Type.Optional(
    Type.String({ description: 'Model version (its version folder); without it, the newest ready version', pattern: '^(0|[1-9][0-9]{0,15})$' }),
  ),
});

/** The two paths of a model route: `/models/:model<suffix>` and `/models/:model/versions/:version<suffix>`. */
export function modelPaths(suffix: string): readonly string[] {
  return [`/models/:model${suffix}`, `/models/:model/versions/:version${suffix}`];
}

export const SessionParams = Type.Object({
  id: Type.String({ description: 'Session id', minLength: 1 }),
});

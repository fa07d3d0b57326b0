// Schemas of the model repository extension's REST routes (Triton
// docs/protocol/extension_model_repository.md): $repository_index_request and _response, the
// load and unload requests. Load takes none of Triton's override parameters ("config",
// "file:<version>/<name>"): packages come from MODELS_DIR only, so a load reads its folder.
import { Type, type Static } from 'typebox';

const STRICT = { additionalProperties: false } as const;

export const RepositoryIndexRequest = Type.Object(
  { ready: Type.Optional(Type.Boolean({ description: 'Only the models ready for inference (default false)' })) },
  { description: '$repository_index_request; the body may be empty', ...STRICT },
);
export type RepositoryIndexRequest = Static<typeof RepositoryIndexRequest>;

export const RepositoryIndexEntry = Type.Object({
  name: Type.String(),
  version: Type.Optional(Type.String({ description: 'Absent for a model none of whose versions could be read' })),
  state: Type.Enum(['READY', 'UNAVAILABLE', 'LOADING', 'UNLOADING']),
  reason: Type.String({ description: 'Why the model is in this state; empty when READY as expected' }),
});

export const RepositoryIndexResponse = Type.Array(RepositoryIndexEntry, {
  description: '$repository_index_response: one entry per version of each model in MODELS_DIR or loaded',
});

export const RepositoryLoadRequest = Type.Object(
  {
    parameters: Type.Optional(
      Type.Object({}, { description: 'No load parameter is supported (no "config" or "file:" overrides): the package is read from MODELS_DIR', ...STRICT }),
    ),
  },
  { description: '$repository_load_request; the body may be empty', ...STRICT },
);
export type RepositoryLoadRequest = Static<typeof RepositoryLoadRequest>;

export const RepositoryUnloadRequest = Type.Object(
  {
    parameters: Type.Optional(
      Type.Object(
        { unload_dependents: Type.Optional(Type.Boolean({ description: 'Accepted; models here have no dependents' })) },
        STRICT,
      ),
    ),
  },
  { description: '$repository_unload_request; the body may be empty', ...STRICT },
);
export type RepositoryUnloadRequest = Static<typeof RepositoryUnloadRequest>;

export const RepositoryLoadResponse = Type.Object({
  name: Type.String(),
  versions: Type.Array(Type.String(), { description: 'The versions ready after the load' }),
});

export const RepositoryUnloadResponse = Type.Object({ name: Type.String() });

export const RepositoryError = Type.Object({
  error: Type.String({ description: 'What was wrong and where' }),
  code: Type.String({ description: 'The error code (docs/errors.md)' }),
});

export function repositoryError(description: string) {
  return { ...RepositoryError, description };
}

export const RepositoryModelParams = Type.Object({ model: Type.String({ minLength: 1 }) });

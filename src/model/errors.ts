// The one error type of model loading. Every problem with a package (config, weight file,
// tensor names or shapes) becomes a ModelPackageError whose message names the file, the
// tensor or key, what was expected and what was found, so an operator can fix it from the log.

export class ModelPackageError extends Error {
  override readonly name = 'ModelPackageError';

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}

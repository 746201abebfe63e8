/** The model a request needs is not loaded (still loading, failed to load, or shutting down). */
export class ModelUnavailableError extends Error {
  override readonly name = 'ModelUnavailableError';
}

/**
 * Why an image was rejected. The API maps these to 4xx responses, e.g. `empty`/`corrupt`/`too_small` -> 400 or
 * 422, `unsupported_format` -> 415, `too_many_pixels` -> 413.
 */
export type ImageErrorCode = 'empty' | 'unsupported_format' | 'corrupt' | 'too_small' | 'too_many_pixels';

/**
 * A rejected input image. `message` is written for API users and never contains decoder internals;
 * the decoder's own error, when there is one, is kept as `cause` for logs.
 */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';

  constructor(
    readonly code: ImageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Also true across duplicate copies of this module (e.g. compiled and source builds side by side). */
export function isImageDecodeError(error: unknown): error is ImageDecodeError {
  if (error instanceof ImageDecodeError) return true;
  return (
    error instanceof Error &&
    error.name === 'ImageDecodeError' &&
    typeof (error as { code?: unknown }).code === 'string'
  );
}

import { BadRequestException, HttpException, PayloadTooLargeException } from '@nestjs/common';
import { MulterError } from 'multer';

export interface UploadRules {
  field: string;
  /** True for endpoints that take several files in `field`. */
  multiple: boolean;
  maxFileBytes: number;
  maxFiles: number;
}

const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/**
 * Turns a multer/busboy failure into the HTTP error users should see: size and count limits are 413,
 * anything wrong with the form itself is 400, with a message that says how to send it right.
 */
export function uploadErrorToHttp(error: unknown, rules: UploadRules): HttpException {
  if (error instanceof HttpException) return error;
  const sendRight = rules.multiple
    ? `send up to ${rules.maxFiles} images in the multipart field '${rules.field}'`
    : `send one image in the multipart field '${rules.field}'`;
  if (error instanceof MulterError) {
    switch (error.code) {
      case 'LIMIT_FILE_SIZE': {
        const filename = (error as MulterError & { filename?: string }).filename;
        const file = filename ? `File '${filename.slice(0, 100)}'` : 'A file';
        return new PayloadTooLargeException(
          `${file} is larger than the limit of ${megabytes(rules.maxFileBytes)} (${rules.maxFileBytes} bytes)`,
        );
      }
      case 'LIMIT_FILE_COUNT':
        return rules.multiple
          ? new PayloadTooLargeException(`Too many files: at most ${rules.maxFiles} per request`)
          : new BadRequestException(
              `Only one file is accepted: ${sendRight} (POST /detect-batch takes several)`,
            );
      case 'LIMIT_UNEXPECTED_FILE':
        return error.field === rules.field && !rules.multiple
          ? new BadRequestException(
              `Only one file is accepted: ${sendRight} (POST /detect-batch takes several)`,
            )
          : new BadRequestException(`Unexpected file field '${error.field ?? ''}': ${sendRight}`);
      case 'LIMIT_PART_COUNT':
      case 'LIMIT_FIELD_COUNT':
        return new PayloadTooLargeException(`Too many parts in the multipart form: ${sendRight}`);
      default:
        return new BadRequestException(`Invalid multipart form (${error.message}): ${sendRight}`);
    }
  }
  // busboy's own parse errors (no boundary, malformed part headers, truncated body).
  const message = error instanceof Error ? error.message : String(error);
  return new BadRequestException(`Malformed multipart body (${message}): ${sendRight}`);
}

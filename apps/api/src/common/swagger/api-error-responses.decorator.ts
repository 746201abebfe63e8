import { STATUS_CODES } from 'node:http';
import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from '../errors/error-response.dto';

/** When each error status happens, with an example message, for the OpenAPI document. */
const ERROR_CASES: Record<number, { description: string; message: string }> = {
  400: {
    description:
      'No file, a wrong form field, an empty file, a malformed multipart body, or an invalid mode or other option',
    message: "No file uploaded: send the image in the multipart form field 'file'",
  },
  404: { description: 'No such resource', message: "Model 'nope' not found (available: mask_detector)" },
  413: {
    description: 'A file over MAX_FILE_BYTES, more than MAX_BATCH files, or an image with too many pixels',
    message: "File 'holiday.jpg' is larger than the limit of 10 MB (10485760 bytes)",
  },
  415: {
    description:
      'Not an image (sniffed from the bytes, whatever the name or Content-Type says), or not multipart',
    message: 'Unsupported image format: send JPEG, PNG, WebP, GIF, TIFF or AVIF.',
  },
  422: {
    description: 'A corrupt or truncated image, or one too small to classify',
    message: 'The JPEG image is corrupt or truncated.',
  },
  503: {
    description:
      'The model is not loaded (loading or failed; the face detector, for mode=faces), or the inference queue ' +
      'is full (see Retry-After)',
    message: 'The mask classification model is not available: it is still loading, retry shortly',
  },
};

/** Documents the listed error statuses with the common error shape and an example each. */
export function ApiErrorResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        type: ErrorResponseDto,
        description: ERROR_CASES[status]?.description ?? STATUS_CODES[status],
        example: {
          statusCode: status,
          error: STATUS_CODES[status],
          message: ERROR_CASES[status]?.message ?? '',
        },
      }),
    ),
  );
}

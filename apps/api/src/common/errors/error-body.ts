import { STATUS_CODES } from 'node:http';
import { HttpException, HttpStatus } from '@nestjs/common';
import { ImageErrorCode, isImageDecodeError } from '@maskd/imaging';
import { InferenceOverloadedError, InferenceUnavailableError } from '@maskd/inference';
import { UploadBudgetFullError } from '../upload/upload-budget';
import { ModelUnavailableError } from './model-unavailable.error';

/** The one error shape of the API. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

/** An error mapped to its HTTP answer; `retryAfterSeconds` becomes a Retry-After header. */
export interface HttpError {
  body: ErrorBody;
  retryAfterSeconds?: number;
  /** False for errors that are the service's fault (5xx other than overload/unavailable): log them with stack. */
  expected: boolean;
}

const IMAGE_ERROR_STATUS: Record<ImageErrorCode, HttpStatus> = {
  empty: HttpStatus.BAD_REQUEST,
  unsupported_format: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  corrupt: HttpStatus.UNPROCESSABLE_ENTITY,
  too_small: HttpStatus.UNPROCESSABLE_ENTITY,
  too_many_pixels: HttpStatus.PAYLOAD_TOO_LARGE,
};

export function errorBody(statusCode: number, message: string): ErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

/** Errors thrown by express middleware (http-errors: body-parser and friends) carry a safe status. */
function clientErrorStatus(error: unknown): number | undefined {
  const candidate = error as { status?: unknown; expose?: unknown };
  const status = candidate?.status;
  return typeof status === 'number' && status >= 400 && status < 500 && candidate.expose === true
    ? status
    : undefined;
}

/**
 * Maps anything thrown while handling a request to its status and body: HTTP exceptions as they are,
 * image errors by code (400/413/415/422), a full inference queue or upload budget (503 with Retry-After) or a
 * missing model to 503, and everything else to a 500 whose message reveals nothing internal.
 */
export function toHttpError(exception: unknown): HttpError {
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return {
      body: errorBody(status, httpExceptionMessage(exception)),
      expected: status < 500 || status === 503,
    };
  }
  if (isImageDecodeError(exception)) {
    return { body: errorBody(IMAGE_ERROR_STATUS[exception.code], exception.message), expected: true };
  }
  if (exception instanceof InferenceOverloadedError || exception instanceof UploadBudgetFullError) {
    const message = `The service is at capacity (${exception.message}); retry in ${exception.retryAfterSeconds} s`;
    return {
      body: errorBody(HttpStatus.SERVICE_UNAVAILABLE, message),
      retryAfterSeconds: exception.retryAfterSeconds,
      expected: true,
    };
  }
  if (exception instanceof ModelUnavailableError || exception instanceof InferenceUnavailableError) {
    return {
      body: errorBody(HttpStatus.SERVICE_UNAVAILABLE, exception.message),
      retryAfterSeconds: 5,
      expected: true,
    };
  }
  const clientStatus = clientErrorStatus(exception);
  if (clientStatus !== undefined) {
    return { body: errorBody(clientStatus, (exception as Error).message), expected: true };
  }
  return { body: errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error'), expected: false };
}

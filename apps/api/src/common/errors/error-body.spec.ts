import { BadRequestException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { ImageDecodeError, ImageErrorCode } from '@maskd/imaging';
import { InferenceOverloadedError, InferenceUnavailableError } from '@maskd/inference';
import { toHttpError } from './error-body';
import { UploadBudgetFullError } from '../upload/upload-budget';
import { ModelUnavailableError } from './model-unavailable.error';

describe('toHttpError', () => {
  it('keeps the status and message of HTTP exceptions', () => {
    expect(toHttpError(new NotFoundException("Model 'x' not found"))).toEqual({
      body: { statusCode: 404, error: 'Not Found', message: "Model 'x' not found" },
      expected: true,
    });
    expect(toHttpError(new PayloadTooLargeException()).body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Payload Too Large',
    });
  });

  it('joins validation message lists', () => {
    const exception = new BadRequestException(['a must be set', 'b must be a number']);
    expect(toHttpError(exception).body.message).toBe('a must be set; b must be a number');
  });

  it.each<[ImageErrorCode, number, string]>([
    ['empty', 400, 'Bad Request'],
    ['unsupported_format', 415, 'Unsupported Media Type'],
    ['corrupt', 422, 'Unprocessable Entity'],
    ['too_small', 422, 'Unprocessable Entity'],
    ['too_many_pixels', 413, 'Payload Too Large'],
  ])('maps image error %s to %i', (code, statusCode, error) => {
    expect(toHttpError(new ImageDecodeError(code, 'what was wrong'))).toEqual({
      body: { statusCode, error, message: 'what was wrong' },
      expected: true,
    });
  });

  it('answers a full inference queue with 503 and Retry-After', () => {
    expect(toHttpError(new InferenceOverloadedError(256, 256, 2))).toEqual({
      body: {
        statusCode: 503,
        error: 'Service Unavailable',
        message:
          'The service is at capacity (inference queue is full (256 of 256 images waiting)); retry in 2 s',
      },
      retryAfterSeconds: 2,
      expected: true,
    });
  });

  it('answers a full upload budget like a full queue: 503 and Retry-After', () => {
    const mb = 1024 * 1024;
    expect(toHttpError(new UploadBudgetFullError(321 * mb, 642 * mb, 642 * mb))).toEqual({
      body: {
        statusCode: 503,
        error: 'Service Unavailable',
        message:
          'The service is at capacity (uploads in flight hold 642 MB of 642 MB, this one may need 321 MB); retry in 1 s',
      },
      retryAfterSeconds: 1,
      expected: true,
    });
  });

  it('answers a missing model with 503', () => {
    for (const error of [
      new ModelUnavailableError('not loaded'),
      new InferenceUnavailableError('no worker'),
    ]) {
      expect(toHttpError(error)).toMatchObject({
        body: { statusCode: 503, message: error.message },
        expected: true,
      });
    }
  });

  it('passes on client errors from express middleware that are safe to expose', () => {
    const tooLarge = Object.assign(new Error('request entity too large'), { status: 413, expose: true });
    expect(toHttpError(tooLarge).body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'request entity too large',
    });
  });

  it('hides everything else behind a bare 500', () => {
    const internal = Object.assign(new Error('ENOENT: /secret/path'), { status: 500, expose: false });
    for (const error of [new TypeError('x is undefined'), internal, 'a string', undefined]) {
      expect(toHttpError(error)).toEqual({
        body: { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' },
        expected: false,
      });
    }
  });
});

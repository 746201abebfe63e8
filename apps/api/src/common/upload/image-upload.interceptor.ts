import {
  BadRequestException,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  PayloadTooLargeException,
  Type,
  UnsupportedMediaTypeException,
  mixin,
} from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import multer, { memoryStorage } from 'multer';
import { Observable } from 'rxjs';
import { ApiConfigService } from '../config/api-config.service';
import { UploadRules, uploadErrorToHttp } from './multer-errors';
import { UploadBudget } from './upload-budget';
import { MAX_TEXT_FIELD_BYTES, MAX_TEXT_FIELDS, maxUploadRequestBytes } from './upload-limits';

/** The declared body length, or undefined for chunked uploads (Node has already rejected malformed values). */
function contentLength(request: Request): number | undefined {
  const header = request.headers['content-length'];
  return header === undefined ? undefined : Number(header);
}

/**
 * Reads multipart/form-data image uploads into memory within the configured limits (MAX_FILE_BYTES
 * per file, MAX_BATCH files), so an oversized or endless upload is cut off instead of buffered.
 * Before reading, a body longer than any valid request gets 413, and the upload reserves its length
 * from the in-flight budget (UploadBudget; 503 with Retry-After when full) until its response ends.
 * `ImageUpload('file')` sets `req.file`; `ImageUpload('files', { multiple: true })` sets `req.files`.
 */
export function ImageUpload(field: string, options: { multiple?: boolean } = {}): Type<NestInterceptor> {
  @Injectable()
  class ImageUploadInterceptor implements NestInterceptor {
    private readonly rules: UploadRules;
    private readonly parse: RequestHandler;
    private readonly maxRequestBytes: number;

    constructor(
      config: ApiConfigService,
      private readonly budget: UploadBudget,
    ) {
      const { maxFileBytes, maxBatch } = config.upload;
      const multiple = options.multiple ?? false;
      this.rules = { field, multiple, maxFileBytes, maxFiles: multiple ? maxBatch : 1 };
      this.maxRequestBytes = maxUploadRequestBytes(this.rules.maxFiles, maxFileBytes);
      const upload = multer({
        storage: memoryStorage(),
        defParamCharset: 'utf8',
        limits: {
          fileSize: maxFileBytes,
          files: this.rules.maxFiles,
          fields: MAX_TEXT_FIELDS,
          fieldSize: MAX_TEXT_FIELD_BYTES,
          parts: this.rules.maxFiles + MAX_TEXT_FIELDS,
        },
      });
      this.parse = multiple ? upload.array(field) : upload.single(field);
    }

    async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
      const http = context.switchToHttp();
      const request = http.getRequest<Request>();
      if (!request.is('multipart/form-data')) {
        const contentType = request.headers['content-type'];
        if (!contentType) {
          throw new BadRequestException(
            `No file uploaded: send the image in the multipart form field '${field}'`,
          );
        }
        throw new UnsupportedMediaTypeException(
          `Expected a multipart/form-data upload, got ${contentType}: send the image in the form field '${field}'`,
        );
      }
      const response = http.getResponse<Response>();
      const declaredBytes = contentLength(request);
      if (declaredBytes !== undefined && declaredBytes > this.maxRequestBytes) {
        const files = this.rules.multiple ? `${this.rules.maxFiles} files` : 'one file';
        throw new PayloadTooLargeException(
          `Request body of ${declaredBytes} bytes is larger than a valid upload can be ` +
            `(${this.maxRequestBytes} bytes: ${files} of at most ${this.rules.maxFileBytes} bytes and the form around them)`,
        );
      }
      // Multer learns that a client hung up from the request's 'aborted'/'close' events; a request closed before
      // this point has already emitted them, and its parse would wait forever for a body that never comes.
      // Nobody receives this answer (the metrics count it as 499); it ends the request's handling.
      if (request.destroyed) {
        throw new BadRequestException('The client closed the request before its upload was read');
      }
      this.budget.reserveUntilDone(response, declaredBytes ?? this.maxRequestBytes);
      await new Promise<void>((resolve, reject) =>
        this.parse(request, response, (error?: unknown) =>
          error ? reject(uploadErrorToHttp(error, this.rules)) : resolve(),
        ),
      );
      return next.handle();
    }
  }
  return mixin(ImageUploadInterceptor);
}

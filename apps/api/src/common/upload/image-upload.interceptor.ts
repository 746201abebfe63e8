import {
  BadRequestException,
  CallHandler,
  ExecutionContext,
  Injectable,
  NestInterceptor,
  Type,
  UnsupportedMediaTypeException,
  mixin,
} from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import multer, { memoryStorage } from 'multer';
import { Observable } from 'rxjs';
import { ApiConfigService } from '../config/api-config.service';
import { UploadRules, uploadErrorToHttp } from './multer-errors';

/** Text fields a form may carry next to its files (e.g. options), and their size. */
const MAX_TEXT_FIELDS = 16;
const MAX_TEXT_FIELD_BYTES = 4096;

/**
 * Reads multipart/form-data image uploads into memory within the configured limits (MAX_FILE_BYTES
 * per file, MAX_BATCH files), so an oversized or endless upload is cut off instead of buffered.
 * `ImageUpload('file')` sets `req.file`; `ImageUpload('files', { multiple: true })` sets `req.files`.
 */
export function ImageUpload(field: string, options: { multiple?: boolean } = {}): Type<NestInterceptor> {
  @Injectable()
  class ImageUploadInterceptor implements NestInterceptor {
    private readonly rules: UploadRules;
    private readonly parse: RequestHandler;

    constructor(config: ApiConfigService) {
      const { maxFileBytes, maxBatch } = config.upload;
      const multiple = options.multiple ?? false;
      this.rules = { field, multiple, maxFileBytes, maxFiles: multiple ? maxBatch : 1 };
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
      await new Promise<void>((resolve, reject) =>
        this.parse(request, http.getResponse<Response>(), (error?: unknown) =>
          error ? reject(uploadErrorToHttp(error, this.rules)) : resolve(),
        ),
      );
      return next.handle();
    }
  }
  return mixin(ImageUploadInterceptor);
}

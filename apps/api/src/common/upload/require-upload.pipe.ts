import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';

/** Rejects a request whose multipart form carried no file in `field` (400), e.g. a form with only text fields. */
@Injectable()
export class RequireUploadPipe<
  T extends Express.Multer.File | Express.Multer.File[],
> implements PipeTransform {
  constructor(private readonly field: string) {}

  transform(value: T | undefined): T {
    const count = Array.isArray(value) ? value.length : value ? 1 : 0;
    if (count === 0) {
      throw new BadRequestException(
        `No file uploaded: send the image in the multipart form field '${this.field}'`,
      );
    }
    return value as T;
  }
}

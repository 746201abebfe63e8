import { ApiProperty } from '@nestjs/swagger';

/** multipart/form-data body of POST /detect (for the OpenAPI document; multer reads the upload). */
export class DetectUploadDto {
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description: 'The image: JPEG, PNG, WebP, GIF, TIFF or AVIF, detected from its bytes',
  })
  file!: unknown;
}

/** multipart/form-data body of POST /detect-batch. */
export class DetectBatchUploadDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'string', format: 'binary' },
    description: 'The images, at most MAX_BATCH (default 32), each repeated in the field "files"',
  })
  files!: unknown[];
}

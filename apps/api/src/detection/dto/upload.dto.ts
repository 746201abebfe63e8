import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { DEFAULT_DETECT_MODE, DETECT_MODES, DetectMode } from '@maskd/inference';
import { MODE_DESCRIPTION } from './detect-options.dto';

/** multipart/form-data body of POST /detect and /detect/annotated (for the OpenAPI document; multer reads the upload). */
export class DetectUploadDto {
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description: 'The image: JPEG, PNG, WebP, GIF, TIFF or AVIF, detected from its bytes',
  })
  file!: unknown;

  @ApiPropertyOptional({ enum: DETECT_MODES, default: DEFAULT_DETECT_MODE, description: MODE_DESCRIPTION })
  mode?: DetectMode;
}

/** multipart/form-data body of POST /detect-batch. */
export class DetectBatchUploadDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'string', format: 'binary' },
    description: 'The images, at most MAX_BATCH (default 32), each repeated in the field "files"',
  })
  files!: unknown[];

  @ApiPropertyOptional({ enum: DETECT_MODES, default: DEFAULT_DETECT_MODE, description: MODE_DESCRIPTION })
  mode?: DetectMode;
}

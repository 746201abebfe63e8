import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { DETECT_MODES, DetectMode } from '@maskd/inference';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';

const CLASSES = ['with_mask', 'without_mask'];

/** What a confidence can be: the label comes from the model card's threshold, not from 0.5. */
const CONFIDENCE_RANGE =
  'Probability of the predicted class: P(without_mask) for without_mask, 1 - P(without_mask) for with_mask. ' +
  "The label is without_mask from P(without_mask) at or above the model's threshold (GET /models/mask_detector: " +
  'threshold), so a without_mask confidence lies between that threshold and 1, below 0.5 when the threshold is ' +
  '(a face to check), and a with_mask confidence above 1 - threshold.';

/** A face's box in pixels of the upright original image (EXIF orientation applied). */
export class FaceBoxDto {
  @ApiProperty({ description: 'Left edge', example: 412 })
  x!: number;

  @ApiProperty({ description: 'Top edge', example: 96 })
  y!: number;

  @ApiProperty({ example: 88 })
  width!: number;

  @ApiProperty({ example: 104 })
  height!: number;
}

export class FaceResultDto {
  @ApiProperty({ type: FaceBoxDto })
  box!: FaceBoxDto;

  @ApiProperty({ description: 'Face detector confidence, 0 to 1', example: 0.93 })
  score!: number;

  @ApiProperty({ enum: CLASSES, example: 'without_mask' })
  prediction!: string;

  @ApiProperty({ description: CONFIDENCE_RANGE, example: 0.88 })
  confidence!: number;

  @ApiProperty({ example: false })
  has_mask!: boolean;
}

export class ModelRefDto {
  @ApiProperty({ example: 'mask_detector' })
  name!: string;

  @ApiProperty({ example: '1.0.0' })
  version!: string;
}

export class DetectionResponseDto {
  @ApiProperty({ example: true })
  success!: true;

  @ApiProperty({
    enum: CLASSES,
    nullable: true,
    example: 'with_mask',
    description:
      'The verdict for the image. With faces: without_mask when any face is, else with_mask. Null in faces mode ' +
      'when no face was found.',
  })
  prediction!: string | null;

  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      `${CONFIDENCE_RANGE} With faces: that of the face most likely unmasked (without_mask), or the lowest ` +
      'among the faces (with_mask).',
    example: 0.9731,
  })
  confidence!: number | null;

  @ApiProperty({ type: Boolean, nullable: true, example: true })
  has_mask!: boolean | null;

  @ApiProperty({
    description:
      'The verdict in words, and in auto mode whether the whole image was classified because no face was found',
    example: 'No face mask on 1 of 3 faces',
  })
  message!: string;

  @ApiProperty({ enum: DETECT_MODES, example: 'auto', description: 'The mode the request was answered in' })
  mode!: DetectMode;

  @ApiPropertyOptional({
    type: [FaceResultDto],
    description:
      "The faces found, best detector score first. Absent in 'whole' mode; empty when none was found (auto then " +
      'classified the whole image).',
  })
  faces?: FaceResultDto[];

  @ApiProperty({ type: ModelRefDto })
  model!: ModelRefDto;

  @ApiProperty({
    description:
      'Time spent in the models: face detection and classification, waits for a worker included (ms)',
    example: 31.4,
  })
  inference_ms!: number;

  @ApiPropertyOptional({
    description: 'The face detection part of inference_ms (when faces were looked for)',
    example: 22.9,
  })
  detection_ms?: number;
}

export class BatchPredictionDto extends DetectionResponseDto {
  @ApiProperty({ example: 'person1.jpg' })
  filename!: string;
}

export class BatchFileErrorDto {
  @ApiProperty({ example: 'notes.jpg' })
  filename!: string;

  @ApiProperty({ example: false })
  success!: false;

  @ApiProperty({
    type: ErrorResponseDto,
    example: {
      statusCode: 415,
      error: 'Unsupported Media Type',
      message: 'Unsupported image format: send JPEG, PNG, WebP, GIF, TIFF or AVIF.',
    },
  })
  error!: ErrorResponseDto;
}

@ApiExtraModels(BatchPredictionDto, BatchFileErrorDto)
export class DetectBatchResponseDto {
  @ApiProperty({
    description: 'The batch was processed; each result says whether its file succeeded',
    example: true,
  })
  success!: true;

  @ApiProperty({ description: 'Number of files, and of results', example: 2 })
  count!: number;

  @ApiProperty({ description: 'Number of files that could not be classified', example: 1 })
  failed!: number;

  @ApiProperty({
    description: 'One result per file, in upload order',
    type: 'array',
    items: {
      oneOf: [{ $ref: getSchemaPath(BatchPredictionDto) }, { $ref: getSchemaPath(BatchFileErrorDto) }],
    },
  })
  results!: Array<BatchPredictionDto | BatchFileErrorDto>;
}

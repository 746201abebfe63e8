import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { ErrorResponseDto } from '../../common/errors/error-response.dto';

export class ModelRefDto {
  @ApiProperty({ example: 'mask_detector' })
  name!: string;

  @ApiProperty({ example: '1.0.0' })
  version!: string;
}

export class DetectionResponseDto {
  @ApiProperty({ example: true })
  success!: true;

  @ApiProperty({ enum: ['with_mask', 'without_mask'], example: 'with_mask' })
  prediction!: string;

  @ApiProperty({ description: 'Probability of the predicted class, 0.5 to 1', example: 0.9731 })
  confidence!: number;

  @ApiProperty({ example: true })
  has_mask!: boolean;

  @ApiProperty({ example: 'Face mask detected' })
  message!: string;

  @ApiProperty({ type: ModelRefDto })
  model!: ModelRefDto;

  @ApiProperty({
    description: 'Time spent classifying, including the wait for a shared batched run (ms)',
    example: 6.41,
  })
  inference_ms!: number;
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

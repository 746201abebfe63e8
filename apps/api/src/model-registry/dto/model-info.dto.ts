import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { TensorInfo } from '@maskd/inference';
import type { ModelRecord, ModelStatus } from '../model-registry.service';

export class TensorInfoDto {
  @ApiProperty({ example: 'input' })
  name!: string;

  @ApiProperty({ example: 'float32' })
  type!: string;

  @ApiProperty({
    description: 'Dimensions; a symbolic (dynamic) dimension such as the batch size is given by its name',
    type: 'array',
    items: { oneOf: [{ type: 'integer' }, { type: 'string' }] },
    example: ['N', 224, 224, 3],
  })
  shape!: Array<number | string>;

  static from(tensor: TensorInfo): TensorInfoDto {
    return { name: tensor.name, type: tensor.type, shape: tensor.shape };
  }
}

export class ModelFileDto {
  @ApiProperty({ description: 'One ONNX file of the model', example: 'mask_detector.onnx' })
  file!: string;

  @ApiProperty({
    description: 'sha256 of the file, checked against the model card at load',
    example: '3f5a…',
  })
  sha256!: string;

  @ApiProperty({ example: 8873412 })
  size_bytes!: number;
}

export class ModelInfoDto {
  @ApiProperty({ example: 'mask_detector' })
  name!: string;

  @ApiProperty({ enum: ['mask-classification', 'face-detection'], example: 'mask-classification' })
  task!: string;

  @ApiProperty({ enum: ['loading', 'ready', 'failed'], example: 'ready' })
  status!: ModelStatus;

  @ApiPropertyOptional({
    description: 'Why the model is not loaded (status "failed")',
    example: 'model file not found: /app/models/mask_detector.onnx',
  })
  error?: string;

  @ApiProperty({
    description: "The model's ONNX file; the face detector's two networks, comma-separated",
    example: 'mask_detector.onnx',
  })
  file!: string;

  @ApiPropertyOptional({ example: '1.0.0' })
  version?: string;

  @ApiPropertyOptional({
    description: 'What the model is, from its card',
    example: 'MobileNetV2 1.0/224 fine-tuned on the face-mask dataset',
  })
  description?: string;

  @ApiPropertyOptional({
    description: 'sha256 of the ONNX file, checked against the model card at load (single-file models)',
    example: '3f5a…',
  })
  sha256?: string;

  @ApiPropertyOptional({ description: 'Size of the model file(s)', example: 8873412 })
  size_bytes?: number;

  @ApiPropertyOptional({
    description: 'Every file of the model, each with its checked sha256',
    type: [ModelFileDto],
  })
  files?: ModelFileDto[];

  @ApiProperty({
    type: [TensorInfoDto],
    description:
      "The face detector's tensors are prefixed with their network: `front/input:0`, `back/input:0`",
  })
  inputs!: TensorInfoDto[];

  @ApiProperty({
    type: [TensorInfoDto],
    example: [{ name: 'probability', type: 'float32', shape: ['N', 1] }],
  })
  outputs!: TensorInfoDto[];

  @ApiPropertyOptional({
    description: 'Class names in output index order',
    example: ['with_mask', 'without_mask'],
  })
  class_names?: string[];

  @ApiPropertyOptional({ description: 'P(class 1) at or above which class 1 is predicted', example: 0.5 })
  threshold?: number;

  @ApiPropertyOptional({
    description:
      'Evaluation metrics from the model card (the face detector: recall and precision by face size)',
    type: 'object',
    additionalProperties: true,
    example: { accuracy: 0.99, f1: 0.99, roc_auc: 0.999 },
  })
  metrics?: Record<string, unknown>;

  @ApiPropertyOptional({
    description: 'When the model was loaded and warmed up (ISO 8601)',
    example: '2026-01-01T12:00:00.000Z',
  })
  loaded_at?: string;

  @ApiPropertyOptional({ description: 'Load, validation and warm-up time', example: 840 })
  load_ms?: number;

  static from(record: ModelRecord): ModelInfoDto {
    return {
      name: record.name,
      task: record.task,
      status: record.status,
      error: record.error,
      file: record.file,
      version: record.version,
      description: record.description,
      sha256: record.sha256,
      size_bytes: record.sizeBytes,
      files: record.files?.map((entry) => ({
        file: entry.file,
        sha256: entry.sha256,
        size_bytes: entry.sizeBytes,
      })),
      inputs: record.signature?.inputs.map(TensorInfoDto.from) ?? [],
      outputs: record.signature?.outputs.map(TensorInfoDto.from) ?? [],
      class_names: record.classNames,
      threshold: record.threshold,
      metrics: record.metrics,
      loaded_at: record.loadedAt?.toISOString(),
      load_ms: record.loadMs,
    };
  }
}

export class ModelListDto {
  @ApiProperty({ type: [ModelInfoDto] })
  models!: ModelInfoDto[];
}

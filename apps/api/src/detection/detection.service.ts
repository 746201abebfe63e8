import { Injectable, Logger } from '@nestjs/common';
import { decodeImage, DecodedImage, toModelInput } from '@maskd/imaging';
import { interpretProbability } from '@maskd/inference';
import { ApiConfigService } from '../common/config/api-config.service';
import { toHttpError } from '../common/errors/error-body';
import { LoadedMaskModel, ModelRegistryService } from '../model-registry/model-registry.service';
import { ConcurrencyLimit } from './concurrency-limit';
import {
  BatchFileErrorDto,
  BatchPredictionDto,
  DetectBatchResponseDto,
  DetectionResponseDto,
} from './dto/detection-response.dto';

/** An uploaded file as multer hands it over. */
export type UploadedImage = Pick<Express.Multer.File, 'buffer' | 'originalname'>;

/** One image after decoding: the model inputs of the regions to classify (today, the whole image). */
interface PreparedImage {
  width: number;
  height: number;
  inputs: Float32Array[];
}

const MESSAGES = { with_mask: 'Face mask detected', without_mask: 'No face mask detected' } as const;

const roundMs = (ms: number) => Math.round(ms * 100) / 100;

/**
 * The detection pipeline, one step per method so each can change on its own:
 * decode (bytes -> upright RGB) -> regions (what to classify) -> model inputs (shared preprocessing)
 * -> classify (one batched inference for all regions of all images) -> results.
 */
@Injectable()
export class DetectionService {
  private readonly logger = new Logger(DetectionService.name);
  private readonly decodeLimit: ConcurrencyLimit;

  constructor(
    private readonly registry: ModelRegistryService,
    private readonly config: ApiConfigService,
  ) {
    this.decodeLimit = new ConcurrencyLimit(config.upload.decodeConcurrency);
  }

  async detect(file: UploadedImage): Promise<DetectionResponseDto> {
    const model = this.registry.maskClassifier();
    const prepared = await this.prepare(model, file.buffer);
    const { probabilities, inferenceMs } = await this.classify(model, prepared.inputs);
    return this.result(model, probabilities[0], inferenceMs);
  }

  /** Every file gets a result in upload order; a bad file fails alone, the good ones share one inference. */
  async detectBatch(files: UploadedImage[]): Promise<DetectBatchResponseDto> {
    const model = this.registry.maskClassifier();
    const outcomes = await Promise.all(
      files.map((file) =>
        this.prepare(model, file.buffer).then(
          (image) => ({ image }),
          (error: unknown) => ({ error }),
        ),
      ),
    );
    const inputs = outcomes.flatMap((outcome) => ('image' in outcome ? outcome.image.inputs : []));
    const { probabilities, inferenceMs } = await this.classify(model, inputs);
    let offset = 0;
    const results = outcomes.map((outcome, index): BatchPredictionDto | BatchFileErrorDto => {
      const filename = files[index].originalname;
      if ('error' in outcome) return { filename, success: false, error: this.fileError(outcome.error) };
      const probability = probabilities[offset];
      offset += outcome.image.inputs.length;
      return { filename, ...this.result(model, probability, inferenceMs) };
    });
    return {
      success: true,
      count: results.length,
      failed: results.filter((result) => !result.success).length,
      results,
    };
  }

  /** Steps 1-3 under the decode limit, so at most DECODE_CONCURRENCY decoded images exist at once. */
  private prepare(model: LoadedMaskModel, bytes: Buffer): Promise<PreparedImage> {
    return this.decodeLimit.run(async () => {
      const image = await this.decode(bytes);
      const regions = this.regionsOf(image);
      // Step 3: the model's inputs, with the preprocessing training used (size and resize mode from the card).
      const inputs = await Promise.all(regions.map((region) => toModelInput(region, model.input)));
      return { width: image.width, height: image.height, inputs };
    });
  }

  /** Step 1: bytes -> upright sRGB pixels; rejects non-images, corrupt files and decompression bombs. */
  private decode(bytes: Buffer): Promise<DecodedImage> {
    return decodeImage(bytes, { maxPixels: this.config.upload.maxImagePixels });
  }

  /** Step 2: the parts of the image to classify. The whole image today; a face detector returns one crop per face. */
  private regionsOf(image: DecodedImage): DecodedImage[] {
    return [image];
  }

  /** Step 4: one inference for all inputs, through the shared worker pool (micro-batched with other requests). */
  private async classify(
    model: LoadedMaskModel,
    inputs: Float32Array[],
  ): Promise<{ probabilities: number[]; inferenceMs: number }> {
    const started = performance.now();
    const probabilities = await model.classifier.predict(inputs);
    return { probabilities, inferenceMs: roundMs(performance.now() - started) };
  }

  private result(model: LoadedMaskModel, probability: number, inferenceMs: number): DetectionResponseDto {
    const { label, confidence, hasMask } = interpretProbability(probability, model.card);
    return {
      success: true,
      prediction: label,
      confidence,
      has_mask: hasMask,
      message: MESSAGES[label as keyof typeof MESSAGES] ?? `Predicted ${label}`,
      model: { name: model.name, version: model.version },
      inference_ms: inferenceMs,
    };
  }

  private fileError(error: unknown): BatchFileErrorDto['error'] {
    const { body, expected } = toHttpError(error);
    if (!expected) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return body;
  }
}

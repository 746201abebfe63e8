import { Injectable, Logger } from '@nestjs/common';
import { decodeImage, DecodedImage } from '@maskd/imaging';
import {
  annotateVerdict,
  decodeTargetSide,
  DetectMode,
  ImageRegions,
  imageRegions,
  ImageVerdict,
  imageVerdict,
  verdictJson,
} from '@maskd/inference';
import { ApiConfigService } from '../common/config/api-config.service';
import { toHttpError } from '../common/errors/error-body';
import { ModelUnavailableError } from '../common/errors/model-unavailable.error';
import {
  FaceDetectorAvailability,
  LoadedMaskModel,
  ModelRegistryService,
} from '../model-registry/model-registry.service';
import { ConcurrencyLimit } from './concurrency-limit';
import {
  BatchFileErrorDto,
  BatchPredictionDto,
  DetectBatchResponseDto,
  DetectionResponseDto,
} from './dto/detection-response.dto';

/** An uploaded file as multer hands it over. */
export type UploadedImage = Pick<Express.Multer.File, 'buffer' | 'originalname'>;

/** The annotated image and the answer it shows. */
export interface AnnotatedDetection {
  jpeg: Buffer;
  detection: DetectionResponseDto;
}

/** The models one request uses. */
interface Models {
  mask: LoadedMaskModel;
  faces: FaceDetectorAvailability;
}

/** The classifier's answer for an image's regions, in region order. */
interface Classification {
  probabilities: number[];
  /** From the first input sent to the pool to the last probability back. */
  classifyMs: number;
}

/** An image's regions; their classification is under way. */
interface ClassifyingRegions {
  regions: ImageRegions;
  classification: Promise<Classification>;
}

const roundMs = (ms: number) => Math.round(ms * 100) / 100;

/**
 * The detection pipeline, shared with the CLI through @maskd/inference:
 * decode (bytes -> upright RGB, reduced for huge photos) -> regions (faces found by the detector in the worker
 * pool, cropped with the margin, or the whole image) -> classify (each input sent to the pool as soon as it is
 * made, so the first faces are classified while the others are resized; the pool batches them with other
 * requests) -> verdict (the face most likely unmasked decides) -> the response, or the annotated JPEG.
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

  async detect(file: UploadedImage, mode: DetectMode): Promise<DetectionResponseDto> {
    const models = this.models(mode);
    const { regions, classification } = await this.prepare(file, mode, models);
    const { probabilities, classifyMs } = await classification;
    return this.response(models, regions, imageVerdict(regions, probabilities, models.mask.card), classifyMs);
  }

  /** As detect(), and the image with the faces drawn. The decoded image is kept (within the decode limit) to draw on. */
  async detectAnnotated(file: UploadedImage, mode: DetectMode): Promise<AnnotatedDetection> {
    const models = this.models(mode);
    return this.decodeLimit.run(async () => {
      const image = await this.decode(file.buffer, mode, models);
      const { regions, classification } = await this.classifyRegions(image, mode, models);
      const { probabilities, classifyMs } = await classification;
      const verdict = imageVerdict(regions, probabilities, models.mask.card);
      return {
        jpeg: await annotateVerdict(image, verdict),
        detection: this.response(models, regions, verdict, classifyMs),
      };
    });
  }

  /**
   * Every file gets a result in upload order; a bad file fails alone. The files' regions (all their faces) are
   * queued for classification as they are made, so they share batched runs.
   */
  async detectBatch(files: UploadedImage[], mode: DetectMode): Promise<DetectBatchResponseDto> {
    const models = this.models(mode);
    const outcome = <T>(work: Promise<T>) =>
      work.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
    const prepared = await Promise.all(files.map((file) => outcome(this.prepare(file, mode, models))));
    const results = await Promise.all(
      prepared.map(async (entry, index): Promise<BatchPredictionDto | BatchFileErrorDto> => {
        const filename = files[index].originalname;
        if ('error' in entry) return { filename, success: false, error: this.fileError(entry.error) };
        const classified = await outcome(entry.value.classification);
        if ('error' in classified)
          return { filename, success: false, error: this.fileError(classified.error) };
        const { regions } = entry.value;
        const { probabilities, classifyMs } = classified.value;
        const verdict = imageVerdict(regions, probabilities, models.mask.card);
        return { filename, ...this.response(models, regions, verdict, classifyMs) };
      }),
    );
    return {
      success: true,
      count: results.length,
      failed: results.filter((result) => !result.success).length,
      results,
    };
  }

  /** The models the mode needs; 503 (ModelUnavailableError) when `faces` mode cannot find faces. */
  private models(mode: DetectMode): Models {
    const mask = this.registry.maskClassifier();
    const faces = this.registry.faceDetector();
    if (mode === 'faces' && !faces.finder) {
      throw new ModelUnavailableError(`The face detection model is not available: ${faces.unavailable}`);
    }
    return { mask, faces };
  }

  /**
   * Decodes the file and starts classifying its regions. Only decoding and cropping hold a decode slot (they hold
   * the decoded pixels); the classification is awaited outside it.
   */
  private prepare(file: UploadedImage, mode: DetectMode, models: Models): Promise<ClassifyingRegions> {
    return this.decodeLimit.run(async () =>
      this.classifyRegions(await this.decode(file.buffer, mode, models), mode, models),
    );
  }

  /** Bytes -> upright sRGB pixels; rejects non-images, corrupt files and decompression bombs. */
  private decode(bytes: Buffer, mode: DetectMode, models: Models): Promise<DecodedImage> {
    const targetSide = decodeTargetSide(mode, models.mask.input);
    return decodeImage(bytes, { maxPixels: this.config.upload.maxImagePixels }, { targetSide });
  }

  /** The image's regions, each classifier input sent to the shared worker pool as soon as it is made. */
  private async classifyRegions(
    image: DecodedImage,
    mode: DetectMode,
    { mask, faces }: Models,
  ): Promise<ClassifyingRegions> {
    const pending: Promise<number[]>[] = [];
    let startedAt: number | undefined;
    const regions = await imageRegions(image, {
      mode,
      faceFinder: faces.finder,
      faceFinderUnavailable: faces.unavailable,
      detect: faces.options,
      input: mask.input,
      margin: this.config.faces.cropMargin,
      onInput: (input, index, count) => {
        startedAt ??= performance.now();
        // A lone input may have the spare cores; a photo's faces share the workers instead.
        pending[index] = mask.classifier.predict([input], { solo: count === 1 });
        // Awaited with the others below; if making a later input fails first, nobody waits for this one.
        pending[index].catch(() => undefined);
      },
    });
    const classification = Promise.all(pending).then((results) => ({
      probabilities: results.flat(),
      classifyMs: startedAt === undefined ? 0 : performance.now() - startedAt,
    }));
    // The caller awaits it, perhaps only once other files of a batch are ready: a failure must not go unhandled.
    classification.catch(() => undefined);
    return { regions, classification };
  }

  private response(
    { mask }: Models,
    regions: ImageRegions,
    verdict: ImageVerdict,
    classifyMs: number,
  ): DetectionResponseDto {
    const detectionMs = regions.detectionMs;
    const { faces, ...summary } = verdictJson(verdict);
    return {
      success: true,
      ...summary,
      mode: regions.mode,
      faces,
      model: { name: mask.name, version: mask.version },
      inference_ms: roundMs(classifyMs + (detectionMs ?? 0)),
      detection_ms: detectionMs === undefined ? undefined : roundMs(detectionMs),
    };
  }

  private fileError(error: unknown): BatchFileErrorDto['error'] {
    const { body, expected } = toHttpError(error);
    if (!expected) this.logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    return body;
  }
}

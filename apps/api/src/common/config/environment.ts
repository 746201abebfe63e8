import 'reflect-metadata';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { repoRoot } from '@maskd/imaging';
import {
  FACE_CROP_MARGIN,
  FACE_DETECTION_MODES,
  FACE_DETECTOR_CARD_FILE,
  FaceDetectionMode,
  MAX_CLASSIFIED_FACES,
} from '@maskd/inference';
import { plainToInstance, Type } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Max,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';
import { maxUploadRequestBytes } from '../upload/upload-limits';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Every environment variable the service reads, with its default. Validated once at start-up
 * (validateEnvironment); the rest of the code reads the typed AppConfig through ApiConfigService.
 */
export class EnvironmentVariables {
  @IsString()
  @MinLength(1)
  HOST = '0.0.0.0';

  @Type(() => Number)
  @Min(1)
  @Max(65535)
  @IsInt()
  PORT = 8000;

  /** Directory of the shipped models (default: the repository's models/); relative to the working directory. */
  @IsString()
  @MinLength(1)
  MODEL_DIR = resolve(repoRoot(), 'models');

  /** The mask classifier's ONNX file (its card sits beside it); default MODEL_DIR/mask_detector.onnx. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  MODEL_PATH?: string;

  @Type(() => Number)
  @Min(1)
  @Max(100 * 1024 * 1024)
  @IsInt()
  MAX_FILE_BYTES = 10 * 1024 * 1024;

  /** Most files in one /detect-batch request. */
  @Type(() => Number)
  @Min(1)
  @Max(256)
  @IsInt()
  MAX_BATCH = 32;

  /**
   * Upload bytes all requests may hold in memory at once; each request reserves its Content-Length (chunked: the
   * most a valid request can be) before it is read, and is refused with 503 + Retry-After when that does not fit.
   * At least one full /detect-batch request; default: two of them.
   */
  @IsOptional()
  @Type(() => Number)
  @Min(1)
  @Max(64 * 1024 * 1024 * 1024)
  @IsInt()
  MAX_UPLOAD_BYTES_IN_FLIGHT?: number;

  /** Largest width x height decoded, checked from the header before any pixel is allocated. */
  @Type(() => Number)
  @Min(1)
  @Max(500_000_000)
  @IsInt()
  MAX_IMAGE_PIXELS = 50_000_000;

  /** Images decoded and preprocessed at once (bounds the memory of decoded pixels); default: one per CPU. */
  @Type(() => Number)
  @Min(1)
  @Max(256)
  @IsInt()
  DECODE_CONCURRENCY = availableParallelism();

  /*
   * Inference threads. Measured on the 2-core benchmark machine (npm run bench:api): under
   * load the cores are best used by one single-threaded session per core (MobileNetV2 7.5-8 ms per image either
   * way, but 2 threads cost ~10% more CPU per image and wait on each other when HTTP and decoding take a core);
   * a lone request runs faster on both cores (5-6 ms instead of 7.5-8), which the solo session gives it, and a
   * photo's face detection and faces are split between the idle workers. Each worker holds ~130 MB.
   */

  /** Worker threads, each with its own onnxruntime sessions of both models; default: one per CPU. */
  @Type(() => Number)
  @Min(1)
  @Max(64)
  @IsInt()
  INFERENCE_WORKERS = availableParallelism();

  /** onnxruntime intra-op threads of each session; 0 lets onnxruntime use one per physical core. */
  @Type(() => Number)
  @Min(0)
  @Max(256)
  @IsInt()
  ORT_INTRA_OP_THREADS = 1;

  /**
   * Intra-op threads of the mask model when one worker has the machine to itself (no other worker busy); a
   * second session per worker. 0 or not above ORT_INTRA_OP_THREADS: no solo session. Default: one per CPU.
   */
  @Type(() => Number)
  @Min(0)
  @Max(256)
  @IsInt()
  ORT_SOLO_INTRA_OP_THREADS = availableParallelism();

  /**
   * Most images in one onnxruntime run of the mask model. Per image, MobileNetV2 is fastest at 2-4 images per
   * run (1 thread: 7.3-7.8 ms, against 8.0 at 8 and 8.6-9.5 at 16), and onnxruntime keeps memory for the
   * largest run (a 32-image run: ~400 MB per worker).
   */
  @Type(() => Number)
  @Min(1)
  @Max(256)
  @IsInt()
  INFERENCE_RUN_BATCH = 4;

  /**
   * How long a classification may wait for others to share its run while other work is running (never when the
   * workers are idle). 0: under load, batches form anyway while the workers are busy.
   */
  @Type(() => Number)
  @Min(0)
  @Max(1000)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  INFERENCE_BATCH_WINDOW_MS = 0;

  /** Images waiting for inference before requests are refused with 503 + Retry-After. */
  @Type(() => Number)
  @Min(1)
  @Max(100_000)
  @IsInt()
  INFERENCE_MAX_QUEUE = 256;

  /**
   * How hard the face detector looks for small faces (`fast`, `balanced` or `thorough`; see FaceDetectionMode).
   * `balanced` finds faces from 1/20 of the longer side (64 px in a 1280x720 frame) and meets the recall target.
   */
  @IsIn(FACE_DETECTION_MODES)
  FACE_DETECTION_MODE: FaceDetectionMode = 'balanced';

  /** Smallest face (pixels, sqrt of the box area) to look for; overrides the mode's default. */
  @IsOptional()
  @Type(() => Number)
  @Min(8)
  @Max(10_000)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  FACE_MIN_SIZE?: number;

  /** Lowest detector score of a reported face. */
  @Type(() => Number)
  @Min(0)
  @Max(1)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  FACE_MIN_SCORE = 0.5;

  /** Most faces classified per image (the best-scored ones); bounds the work one upload can cause. */
  @Type(() => Number)
  @Min(1)
  @Max(256)
  @IsInt()
  FACE_MAX_FACES = MAX_CLASSIFIED_FACES;

  /** Margin around each face box before classifying it, as a fraction of the box on each side. */
  @Type(() => Number)
  @Min(0)
  @Max(1)
  @IsNumber({ allowNaN: false, allowInfinity: false })
  FACE_CROP_MARGIN = FACE_CROP_MARGIN;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';
}

/** The validated configuration, grouped by concern. */
export interface AppConfig {
  server: { host: string; port: number };
  models: { dir: string; maskModelPath: string; faceDetectorCardPath: string };
  upload: {
    maxFileBytes: number;
    maxBatch: number;
    maxBytesInFlight: number;
    maxImagePixels: number;
    decodeConcurrency: number;
  };
  inference: {
    workers: number;
    intraOpThreads: number;
    soloIntraOpThreads: number;
    batchWindowMs: number;
    maxQueue: number;
    /** INFERENCE_RUN_BATCH: images per onnxruntime run (MAX_BATCH, files per /detect-batch, is upload.maxBatch). */
    maxImagesPerRun: number;
  };
  faces: {
    mode: FaceDetectionMode;
    minFaceSize?: number;
    minScore: number;
    maxFaces: number;
    cropMargin: number;
  };
  logLevel: LogLevel;
}

/** Raised for invalid environment variables; the message lists every problem, one per line. */
export class ConfigValidationError extends Error {
  override readonly name = 'ConfigValidationError';
}

/** Every declared field, optional ones too: ES2022 class fields are own properties even when undefined. */
const KNOWN_VARIABLES = Object.keys(new EnvironmentVariables());

/** Rules between variables, checked once each is valid on its own; one line per broken rule, naming them. */
function inconsistencies(vars: EnvironmentVariables): string[] {
  const problems: string[] = [];
  // The pool's queue hands out whole runs: one that cannot hold a full run never starts (the service stays unready).
  if (vars.INFERENCE_MAX_QUEUE < vars.INFERENCE_RUN_BATCH) {
    problems.push(
      `INFERENCE_MAX_QUEUE must not be less than INFERENCE_RUN_BATCH: the queue holds at least one full run ` +
        `(got INFERENCE_MAX_QUEUE=${vars.INFERENCE_MAX_QUEUE}, INFERENCE_RUN_BATCH=${vars.INFERENCE_RUN_BATCH})`,
    );
  }
  const largestBatch = maxUploadRequestBytes(vars.MAX_BATCH, vars.MAX_FILE_BYTES);
  if (vars.MAX_UPLOAD_BYTES_IN_FLIGHT !== undefined && vars.MAX_UPLOAD_BYTES_IN_FLIGHT < largestBatch) {
    problems.push(
      `MAX_UPLOAD_BYTES_IN_FLIGHT must hold one full /detect-batch request: at least ${largestBatch} with ` +
        `MAX_BATCH=${vars.MAX_BATCH} and MAX_FILE_BYTES=${vars.MAX_FILE_BYTES} (got ${vars.MAX_UPLOAD_BYTES_IN_FLIGHT})`,
    );
  }
  return problems;
}

/**
 * Validates the environment and returns the typed configuration. Unknown variables are ignored;
 * empty strings count as unset so `PORT=` falls back to the default.
 * @throws ConfigValidationError listing each invalid variable with the value it had.
 */
export function validateEnvironment(env: Record<string, unknown>): AppConfig {
  const relevant = Object.fromEntries(
    KNOWN_VARIABLES.filter((name) => env[name] !== undefined && env[name] !== '').map((name) => [
      name,
      env[name],
    ]),
  );
  const vars = plainToInstance(EnvironmentVariables, relevant, { exposeDefaultValues: true });
  const errors = validateSync(vars, { stopAtFirstError: true });
  if (errors.length > 0) {
    const lines = errors.map((error) => {
      const constraints = Object.values(error.constraints ?? {}).join('; ');
      return `  - ${constraints} (got ${JSON.stringify(relevant[error.property])})`;
    });
    throw new ConfigValidationError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const problems = inconsistencies(vars);
  if (problems.length > 0) {
    throw new ConfigValidationError(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
  return {
    server: { host: vars.HOST, port: vars.PORT },
    models: {
      dir: resolve(vars.MODEL_DIR),
      maskModelPath: vars.MODEL_PATH
        ? resolve(vars.MODEL_PATH)
        : resolve(vars.MODEL_DIR, 'mask_detector.onnx'),
      faceDetectorCardPath: resolve(vars.MODEL_DIR, FACE_DETECTOR_CARD_FILE),
    },
    upload: {
      maxFileBytes: vars.MAX_FILE_BYTES,
      maxBatch: vars.MAX_BATCH,
      maxBytesInFlight:
        vars.MAX_UPLOAD_BYTES_IN_FLIGHT ?? 2 * maxUploadRequestBytes(vars.MAX_BATCH, vars.MAX_FILE_BYTES),
      maxImagePixels: vars.MAX_IMAGE_PIXELS,
      decodeConcurrency: vars.DECODE_CONCURRENCY,
    },
    inference: {
      workers: vars.INFERENCE_WORKERS,
      intraOpThreads: vars.ORT_INTRA_OP_THREADS,
      soloIntraOpThreads: vars.ORT_SOLO_INTRA_OP_THREADS,
      batchWindowMs: vars.INFERENCE_BATCH_WINDOW_MS,
      // Each image is queued on its own: room for one whole /detect-batch keeps its files from refusing each other.
      maxQueue: Math.max(vars.INFERENCE_MAX_QUEUE, vars.MAX_BATCH),
      maxImagesPerRun: vars.INFERENCE_RUN_BATCH,
    },
    faces: {
      mode: vars.FACE_DETECTION_MODE,
      minFaceSize: vars.FACE_MIN_SIZE,
      minScore: vars.FACE_MIN_SCORE,
      maxFaces: vars.FACE_MAX_FACES,
      cropMargin: vars.FACE_CROP_MARGIN,
    },
    logLevel: vars.LOG_LEVEL,
  };
}

import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { repoRoot } from '@maskd/imaging';
import { ConfigValidationError, validateEnvironment } from './environment';

describe('validateEnvironment', () => {
  it('uses the documented defaults', () => {
    expect(validateEnvironment({})).toEqual({
      server: { host: '0.0.0.0', port: 8000 },
      models: {
        dir: resolve(repoRoot(), 'models'),
        maskModelPath: resolve(repoRoot(), 'models', 'mask_detector.onnx'),
        faceDetectorCardPath: resolve(repoRoot(), 'models', 'blazeface.json'),
      },
      upload: {
        maxFileBytes: 10 * 1024 * 1024,
        maxBatch: 32,
        // Two full /detect-batch requests: 32 files of 10 MiB, 16 text fields of 4 KiB, 49 parts' headers.
        maxBytesInFlight: 2 * (32 * 10 * 1024 * 1024 + 16 * 4096 + 49 * 17 * 1024),
        maxImagePixels: 50_000_000,
        decodeConcurrency: availableParallelism(),
      },
      inference: {
        workers: availableParallelism(),
        intraOpThreads: 1,
        soloIntraOpThreads: availableParallelism(),
        batchWindowMs: 0,
        maxQueue: 256,
        maxImagesPerRun: 4,
      },
      faces: { mode: 'balanced', minFaceSize: undefined, minScore: 0.5, maxFaces: 64, cropMargin: 0.2 },
      logLevel: 'info',
    });
  });

  it('reads and converts the variables, resolving paths against the working directory', () => {
    const config = validateEnvironment({
      PORT: '9000',
      MODEL_DIR: 'some/models',
      MODEL_PATH: 'elsewhere/model.onnx',
      MAX_FILE_BYTES: '1048576',
      MAX_BATCH: '8',
      MAX_UPLOAD_BYTES_IN_FLIGHT: '20000000',
      INFERENCE_WORKERS: '2',
      ORT_INTRA_OP_THREADS: '2',
      ORT_SOLO_INTRA_OP_THREADS: '0',
      INFERENCE_RUN_BATCH: '6',
      INFERENCE_BATCH_WINDOW_MS: '0.5',
      INFERENCE_MAX_QUEUE: '6',
      LOG_LEVEL: 'debug',
      FACE_DETECTION_MODE: 'fast',
      FACE_MIN_SIZE: '40',
      FACE_MIN_SCORE: '0.6',
      FACE_MAX_FACES: '10',
      FACE_CROP_MARGIN: '0',
      UNRELATED: 'ignored',
    });
    expect(config.server.port).toBe(9000);
    expect(config.models).toEqual({
      dir: resolve('some/models'),
      maskModelPath: resolve('elsewhere/model.onnx'),
      faceDetectorCardPath: resolve('some/models', 'blazeface.json'),
    });
    expect(config.faces).toEqual({
      mode: 'fast',
      minFaceSize: 40,
      minScore: 0.6,
      maxFaces: 10,
      cropMargin: 0,
    });
    expect(config.upload).toMatchObject({ maxFileBytes: 1048576, maxBatch: 8, maxBytesInFlight: 20_000_000 });
    // The queue always holds at least one full /detect-batch (MAX_BATCH images).
    expect(config.inference).toMatchObject({
      workers: 2,
      intraOpThreads: 2,
      soloIntraOpThreads: 0,
      batchWindowMs: 0.5,
      maxQueue: 8,
      maxImagesPerRun: 6,
    });
    expect(config.logLevel).toBe('debug');
  });

  it('no longer reads ORT_INTER_OP_THREADS: sessions run sequentially, so it never had an effect', () => {
    expect(validateEnvironment({ ORT_INTER_OP_THREADS: 'any' })).toEqual(validateEnvironment({}));
  });

  it('treats empty strings as unset', () => {
    expect(validateEnvironment({ PORT: '', MODEL_PATH: '' }).server.port).toBe(8000);
  });

  it('lists every invalid variable with the value it had', () => {
    let error: unknown;
    try {
      validateEnvironment({
        PORT: 'http',
        MAX_BATCH: '0',
        LOG_LEVEL: 'loud',
        INFERENCE_WORKERS: '1.5',
        FACE_DETECTION_MODE: 'careful',
        FACE_MIN_SCORE: '2',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    expect((error as Error).message).toBe(
      [
        'Invalid configuration:',
        '  - PORT must be an integer number (got "http")',
        '  - MAX_BATCH must not be less than 1 (got "0")',
        '  - INFERENCE_WORKERS must be an integer number (got "1.5")',
        '  - FACE_DETECTION_MODE must be one of the following values: fast, balanced, thorough (got "careful")',
        '  - FACE_MIN_SCORE must not be greater than 1 (got "2")',
        '  - LOG_LEVEL must be one of the following values: fatal, error, warn, info, debug, trace, silent (got "loud")',
      ].join('\n'),
    );
  });

  it('rejects limits beyond what the service can hold', () => {
    expect(() => validateEnvironment({ MAX_FILE_BYTES: String(200 * 1024 * 1024) })).toThrow(
      'MAX_FILE_BYTES must not be greater than 104857600 (got "209715200")',
    );
  });

  it('rejects a queue that cannot hold one run, naming both variables', () => {
    expect(() => validateEnvironment({ INFERENCE_RUN_BATCH: '64', INFERENCE_MAX_QUEUE: '16' })).toThrow(
      new ConfigValidationError(
        'Invalid configuration:\n  - INFERENCE_MAX_QUEUE must not be less than INFERENCE_RUN_BATCH: the queue holds ' +
          'at least one full run (got INFERENCE_MAX_QUEUE=16, INFERENCE_RUN_BATCH=64)',
      ),
    );
    expect(
      validateEnvironment({ INFERENCE_RUN_BATCH: '64', INFERENCE_MAX_QUEUE: '64' }).inference,
    ).toMatchObject({
      maxImagesPerRun: 64,
      maxQueue: 64,
    });
  });

  it('rejects an upload budget that cannot hold one full /detect-batch request, naming the variables', () => {
    expect(() =>
      validateEnvironment({
        MAX_FILE_BYTES: '1000000',
        MAX_BATCH: '4',
        MAX_UPLOAD_BYTES_IN_FLIGHT: '4000000',
      }),
    ).toThrow(
      'Invalid configuration:\n  - MAX_UPLOAD_BYTES_IN_FLIGHT must hold one full /detect-batch request: at least ' +
        '4431104 with MAX_BATCH=4 and MAX_FILE_BYTES=1000000 (got 4000000)',
    );
    expect(
      validateEnvironment({
        MAX_FILE_BYTES: '1000000',
        MAX_BATCH: '4',
        MAX_UPLOAD_BYTES_IN_FLIGHT: '4431104',
      }).upload.maxBytesInFlight,
    ).toBe(4_431_104);
  });
});

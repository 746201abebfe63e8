import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ModelRegistryService } from '../model-registry/model-registry.service';

/** Prefix of the service's own series (the default process and Node.js metrics keep their usual names). */
export const METRIC_PREFIX = 'maskd_';

const HTTP_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const INFERENCE_SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/**
 * The service's Prometheus metrics, in a registry of its own (not prom-client's global one), so each
 * application instance reports only its own requests. HTTP series are fed by HttpMetricsMiddleware,
 * inference series by the model registry's per-run reports, the model info gauge is read at scrape time.
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly httpRequests = new Counter({
    name: `${METRIC_PREFIX}http_requests_total`,
    help: 'HTTP requests answered, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: `${METRIC_PREFIX}http_request_duration_seconds`,
    help: 'Time from request arrival to the last byte of the response, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly inferenceDuration = new Histogram({
    name: `${METRIC_PREFIX}inference_duration_seconds`,
    help: 'Duration of one onnxruntime run (one batch) in an inference worker',
    labelNames: ['model'] as const,
    buckets: INFERENCE_SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly inferenceBatchSize = new Histogram({
    name: `${METRIC_PREFIX}inference_batch_size`,
    help: 'Images in one onnxruntime run',
    labelNames: ['model'] as const,
    buckets: BATCH_SIZE_BUCKETS,
    registers: [this.registry],
  });
  private readonly inferenceQueueWait = new Histogram({
    name: `${METRIC_PREFIX}inference_queue_wait_seconds`,
    help: 'How long the oldest request of a batch waited for an inference worker',
    labelNames: ['model'] as const,
    buckets: INFERENCE_SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private unsubscribe?: () => void;

  constructor(private readonly models: ModelRegistryService) {
    const registry = this.registry;
    new Gauge({
      name: `${METRIC_PREFIX}model_info`,
      help: 'The loaded models (value 1), labelled with their name, version and ONNX file sha256',
      labelNames: ['name', 'version', 'sha256'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const record of models.list()) {
          if (record.status === 'ready') {
            this.set({ name: record.name, version: record.version ?? '', sha256: record.sha256 ?? '' }, 1);
          }
        }
      },
    });
    collectDefaultMetrics({ register: registry });
  }

  onModuleInit(): void {
    this.unsubscribe = this.models.onInferenceBatch(({ model, images, runMs, queueMs }) => {
      this.inferenceDuration.observe({ model }, runMs / 1000);
      this.inferenceBatchSize.observe({ model }, images);
      this.inferenceQueueWait.observe({ model }, queueMs / 1000);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  /** Records one answered request; `route` must be a template (e.g. `/models/:name`), never the raw URL. */
  observeRequest(labels: { method: string; route: string; status_code: number }, seconds: number): void {
    this.httpRequests.inc(labels);
    this.httpDuration.observe(labels, seconds);
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

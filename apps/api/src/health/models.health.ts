import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ModelRegistryService } from '../model-registry/model-registry.service';

/**
 * Up when every configured model is loaded and warmed up (and the service is not shutting down);
 * the details give each model's state, e.g. `{ mask_detector: 'failed: model file not found: ...' }`.
 */
@Injectable()
export class ModelsHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly registry: ModelRegistryService,
  ) {}

  check(): HealthIndicatorResult {
    const indicator = this.indicators.check('models');
    const models = Object.fromEntries(
      this.registry
        .list()
        .map((record) => [record.name, record.error ? `${record.status}: ${record.error}` : record.status]),
    );
    return this.registry.isReady() ? indicator.up(models) : indicator.down(models);
  }
}

import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { ModelRegistryModule } from '../model-registry/model-registry.module';
import { HttpMetricsMiddleware } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

/** GET /metrics in the Prometheus text format, and the middleware that times every request. */
@Module({
  imports: [ModelRegistryModule],
  controllers: [MetricsController],
  providers: [MetricsService],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}

import { DynamicModule, Module } from '@nestjs/common';
import { AppController } from './app.controller';
import { CommonModule } from './common/common.module';
import { DetectionModule } from './detection/detection.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { ModelRegistryModule } from './model-registry/model-registry.module';
import { UiModule } from './ui/ui.module';

export interface AppOptions {
  /** Settings that override process.env (tests use this to start the app with their own config). */
  env?: Record<string, string | undefined>;
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CommonModule.forRoot(options.env),
        ModelRegistryModule,
        HealthModule,
        DetectionModule,
        MetricsModule,
        UiModule,
      ],
      controllers: [AppController],
    };
  }
}

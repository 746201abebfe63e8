import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ConfigModule } from '@nestjs/config';
import { ApiConfigService, APP_CONFIG_KEY } from './config/api-config.service';
import { validateEnvironment } from './config/environment';
import { HttpErrorFilter } from './filters/http-error.filter';
import { LoggingModule } from './logging/logging.module';
import { UploadBudget } from './upload/upload-budget';

/**
 * Cross-cutting pieces every module uses: the validated configuration, JSON logging, the error
 * filter and the in-flight upload budget. `env` overrides process.env (tests start the app with their own settings this way).
 */
@Global()
@Module({})
export class CommonModule {
  static forRoot(env: Record<string, string | undefined> = {}): DynamicModule {
    return {
      module: CommonModule,
      imports: [
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          validatePredefined: false,
          // Stored under one key holding an object, so @nestjs/config writes nothing back into process.env.
          validate: () => ({ [APP_CONFIG_KEY]: validateEnvironment({ ...process.env, ...env }) }),
        }),
        LoggingModule,
      ],
      providers: [ApiConfigService, UploadBudget, { provide: APP_FILTER, useClass: HttpErrorFilter }],
      exports: [ApiConfigService, UploadBudget],
    };
  }
}

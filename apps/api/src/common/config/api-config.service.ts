import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppConfig } from './environment';

/** The key under which the validated AppConfig is stored in @nestjs/config. */
export const APP_CONFIG_KEY = 'app';

/** Typed, validated configuration, injected wherever a setting is needed (never process.env). */
@Injectable()
export class ApiConfigService {
  private readonly config: AppConfig;

  constructor(configService: ConfigService<{ [APP_CONFIG_KEY]: AppConfig }, true>) {
    this.config = configService.get(APP_CONFIG_KEY, { infer: true });
  }

  get server(): AppConfig['server'] {
    return this.config.server;
  }

  get models(): AppConfig['models'] {
    return this.config.models;
  }

  get upload(): AppConfig['upload'] {
    return this.config.upload;
  }

  get inference(): AppConfig['inference'] {
    return this.config.inference;
  }

  get faces(): AppConfig['faces'] {
    return this.config.faces;
  }

  get logLevel(): AppConfig['logLevel'] {
    return this.config.logLevel;
  }
}

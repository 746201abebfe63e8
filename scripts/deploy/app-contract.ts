import 'reflect-metadata';
import { PATH_METADATA } from '@nestjs/common/constants';
import { getMetadataStorage } from 'class-validator';
import { EnvironmentVariables, validateEnvironment } from '../../apps/api/src/common/config/environment';
import { HealthController } from '../../apps/api/src/health/health.controller';
import { MetricsController } from '../../apps/api/src/metrics/metrics.controller';

/*
 * What the deployment files must agree with, read from the API's own code rather than repeated: its
 * routes (from the Nest route metadata), its configuration variables and their defaults (from the
 * validated environment class), and its configuration validation itself.
 */

type Handler = (...args: never[]) => unknown;

/** The full path Nest serves a handler on (no global prefix is set, see app.factory.ts). */
export function routePath(controller: { prototype: object }, handler: Handler): string {
  const segments = [
    Reflect.getMetadata(PATH_METADATA, controller),
    Reflect.getMetadata(PATH_METADATA, handler),
  ];
  const path = segments
    .filter((segment): segment is string => typeof segment === 'string')
    .join('/')
    .replace(/\/+/g, '/')
    .replace(/(.)\/$/, '$1');
  return path.startsWith('/') ? path : `/${path}`;
}

export function healthRoutes(): { status: string; live: string; ready: string } {
  const health = HealthController.prototype;
  return {
    status: routePath(HealthController, health.status),
    live: routePath(HealthController, health.live),
    ready: routePath(HealthController, health.ready),
  };
}

export function metricsRoute(): string {
  return routePath(MetricsController, MetricsController.prototype.scrape);
}

/** Every environment variable the API reads (each one has validation rules). */
export function configVariables(): string[] {
  const rules = getMetadataStorage().getTargetValidationMetadatas(EnvironmentVariables, '', true, false);
  return [...new Set(rules.map((rule) => rule.propertyName))].sort();
}

/** The port the API listens on when PORT is not set. */
export function defaultPort(): number {
  return new EnvironmentVariables().PORT;
}

export { validateEnvironment };

import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/** Route label of requests no route matched (404s): one value, whatever the URL, to bound cardinality. */
export const UNMATCHED_ROUTE = 'unmatched';
/** Status label of requests whose client went away before the response was complete (nginx's convention). */
export const CLIENT_CLOSED_STATUS = 499;

/** Requests answered by a mounted middleware (the /ui static files) are labelled with its mount path. */
function mountLabel(baseUrl: string): string {
  return baseUrl ? `${baseUrl}/*` : UNMATCHED_ROUTE;
}

/**
 * Times every request, errors included, from arrival to the end of its response. A middleware rather
 * than an interceptor so that 404s and errors raised before the handler (upload limits, sniffing) count
 * too; the route label is the matched route's template, read once the response is done.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    // Express runs this middleware as a route of its own: only a route set after it is the one that matched.
    const ownRoute: unknown = request.route;
    response.once('close', () => {
      const route = request.route as { path?: unknown } | undefined;
      const matched = route !== ownRoute && typeof route?.path === 'string';
      this.metrics.observeRequest(
        {
          method: request.method,
          route: matched ? `${request.baseUrl}${route.path as string}` : mountLabel(request.baseUrl),
          status_code: response.writableFinished ? response.statusCode : CLIENT_CLOSED_STATUS,
        },
        Number(process.hrtime.bigint() - started) / 1e9,
      );
    });
    next();
  }
}

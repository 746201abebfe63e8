import { EventEmitter } from 'node:events';
import type { NextFunction, Request, Response } from 'express';
import type { MetricValueWithName } from 'prom-client';
import type { ModelRegistryService } from '../model-registry/model-registry.service';
import { CLIENT_CLOSED_STATUS, HttpMetricsMiddleware, UNMATCHED_ROUTE } from './http-metrics.middleware';
import { MetricsService } from './metrics.service';

/** The registry as the metrics see it: no model, no inference runs. */
const noModels = {
  list: () => [],
  onInferenceBatch: () => () => undefined,
} as unknown as ModelRegistryService;

function exchange(init: { route?: object; baseUrl?: string }) {
  const request = { method: 'POST', baseUrl: init.baseUrl ?? '', route: init.route } as unknown as Request;
  const response = Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: true });
  return { request, response: response as unknown as Response & EventEmitter };
}

async function requestsTotal(metrics: MetricsService) {
  const metric = await metrics.registry.getSingleMetric('maskd_http_requests_total')!.get();
  return metric.values.map(({ labels, value }) => ({ ...labels, value }));
}

describe('HttpMetricsMiddleware', () => {
  let metrics: MetricsService;
  let middleware: HttpMetricsMiddleware;
  const next: NextFunction = jest.fn();

  beforeEach(() => {
    metrics = new MetricsService(noModels);
    middleware = new HttpMetricsMiddleware(metrics);
  });

  afterEach(() => metrics.registry.clear());

  it('labels a request with the template of the route that answered it, once the response is done', async () => {
    const { request, response } = exchange({ route: { path: '/middleware-route' }, baseUrl: '/api' });
    middleware.use(request, response, next);
    expect(next).toHaveBeenCalled();
    expect(await requestsTotal(metrics)).toEqual([]);
    request.route = { path: '/models/:name' };
    response.statusCode = 404;
    response.emit('close');
    expect(await requestsTotal(metrics)).toEqual([
      { method: 'POST', route: '/api/models/:name', status_code: 404, value: 1 },
    ]);
  });

  it('gives requests no route matched one label, whatever their URL', async () => {
    const { request, response } = exchange({ route: { path: '/{*path}' } });
    middleware.use(request, response, next);
    response.statusCode = 404;
    response.emit('close');
    expect(await requestsTotal(metrics)).toEqual([
      { method: 'POST', route: UNMATCHED_ROUTE, status_code: 404, value: 1 },
    ]);
  });

  it('labels what a mounted middleware answered (static files) with its mount path', async () => {
    const { request, response } = exchange({ route: { path: '/{*path}' } });
    middleware.use(request, response, next);
    request.baseUrl = '/ui';
    response.emit('close');
    expect(await requestsTotal(metrics)).toEqual([
      { method: 'POST', route: '/ui/*', status_code: 200, value: 1 },
    ]);
  });

  it('counts a response the client did not wait for as 499', async () => {
    const { request, response } = exchange({});
    middleware.use(request, response, next);
    request.route = { path: '/detect-batch' };
    Object.assign(response, { writableFinished: false });
    response.emit('close');
    expect(await requestsTotal(metrics)).toEqual([
      { method: 'POST', route: '/detect-batch', status_code: CLIENT_CLOSED_STATUS, value: 1 },
    ]);
    const histogram = await metrics.registry.getSingleMetric('maskd_http_request_duration_seconds')!.get();
    const values = histogram.values as MetricValueWithName<string>[];
    const sum = values.find((v) => v.metricName === 'maskd_http_request_duration_seconds_sum');
    expect(sum?.value).toBeGreaterThan(0);
  });
});

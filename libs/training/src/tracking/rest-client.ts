// A small JSON client for an MLflow tracking server: auth from MLflow's own environment variables,
// a timeout per request, and a limited retry on 429/5xx/network errors (the Python client retries too).
import { setTimeout as sleep } from 'node:timers/promises';

export interface RestClientOptions {
  /** MLflow server base URL, e.g. `http://mlflow:5000`. */
  baseUrl: string;
  /** `MLFLOW_TRACKING_TOKEN` (bearer) or `MLFLOW_TRACKING_USERNAME`/`_PASSWORD` (basic) are read from here. */
  env?: NodeJS.ProcessEnv;
  /** Attempts after the first one for 429, 5xx and network errors. */
  maxRetries?: number;
  /** First back-off delay; doubles on each retry. */
  retryDelayMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** An MLflow server answered with an error (its `error_code` and `message` when it sent them). */
export class MlflowRestError extends Error {
  override readonly name = 'MlflowRestError';
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly errorCode: string | undefined,
  ) {
    super(message);
  }
}

export interface RestRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Path below the base URL, e.g. `/api/2.0/mlflow/runs/create`. */
  path: string;
  query?: Record<string, string>;
  json?: unknown;
  body?: Blob;
}

export class MlflowRestClient {
  readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly maxRetries: number;
  private readonly retryDelayMs: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: RestClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.headers = authHeaders(options.env ?? process.env);
    this.maxRetries = options.maxRetries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** Sends the request and returns the parsed JSON answer (`{}` for an empty body). */
  async request<T>(request: RestRequest): Promise<T> {
    const url = new URL(this.baseUrl + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, value);
    const what = `${request.method} ${url.pathname}`;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      try {
        response = await this.fetchImpl(url, {
          method: request.method,
          headers: {
            ...this.headers,
            ...(request.json !== undefined ? { 'Content-Type': 'application/json' } : {}),
            ...(request.body ? { 'Content-Type': 'application/octet-stream' } : {}),
          },
          body: request.json !== undefined ? JSON.stringify(request.json, nonFiniteAsString) : request.body,
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (error) {
        if (attempt < this.maxRetries) {
          await sleep(this.retryDelayMs * 2 ** attempt);
          continue;
        }
        throw new MlflowRestError(
          `Cannot reach the MLflow tracking server at ${this.baseUrl} (${what}): ${describeNetworkError(error)}`,
          undefined,
          undefined,
        );
      }
      const text = await response.text();
      if (response.ok) return (text ? JSON.parse(text) : {}) as T;
      const retryable = response.status === 429 || response.status >= 500;
      if (retryable && attempt < this.maxRetries) {
        await sleep(retryAfterMs(response) ?? this.retryDelayMs * 2 ** attempt);
        continue;
      }
      const body = parseErrorBody(text);
      throw new MlflowRestError(
        `MLflow server ${this.baseUrl} answered ${response.status} to ${what}` +
          (body.errorCode ? ` (${body.errorCode})` : '') +
          (body.message ? `: ${body.message}` : ''),
        response.status,
        body.errorCode,
      );
    }
  }
}

function authHeaders(env: NodeJS.ProcessEnv): Record<string, string> {
  if (env.MLFLOW_TRACKING_TOKEN) return { Authorization: `Bearer ${env.MLFLOW_TRACKING_TOKEN}` };
  if (env.MLFLOW_TRACKING_USERNAME && env.MLFLOW_TRACKING_PASSWORD) {
    const credentials = Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD}`);
    return { Authorization: `Basic ${credentials.toString('base64')}` };
  }
  return {};
}

/** Protobuf's JSON mapping (which MLflow's server parses) spells non-finite doubles as strings. */
function nonFiniteAsString(_key: string, value: unknown): unknown {
  if (typeof value !== 'number' || Number.isFinite(value)) return value;
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
}

function parseErrorBody(text: string): { errorCode?: string; message?: string } {
  try {
    const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
    return {
      errorCode: typeof body.error_code === 'string' ? body.error_code : undefined,
      message: typeof body.message === 'string' ? body.message : undefined,
    };
  } catch {
    return { message: text.trim().slice(0, 300) || undefined };
  }
}

function retryAfterMs(response: Response): number | undefined {
  const seconds = Number(response.headers.get('retry-after'));
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 30) * 1000 : undefined;
}

function describeNetworkError(error: unknown): string {
  // Duck-typed: fetch's errors may come from another realm (e.g. under jest), where instanceof fails.
  const { name, message, cause } = (error ?? {}) as {
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  if (name === 'TimeoutError') return 'the request timed out';
  return cause?.code ?? cause?.message ?? message ?? String(error);
}

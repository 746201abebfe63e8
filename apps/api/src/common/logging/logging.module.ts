import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { ApiConfigService } from '../config/api-config.service';
import { assignRequestId } from './request-id';

/** Paths probed every few seconds; their successful requests are not logged. */
const QUIET_PATHS = ['/health', '/metrics'];

/**
 * JSON logs through pino: one line per request with its id, method, route, status and duration, and
 * every Nest log line (also those written during the request) carrying the request id.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ApiConfigService],
      useFactory: (config: ApiConfigService) => ({
        pinoHttp: {
          level: config.logLevel,
          formatters: { level: (label: string) => ({ level: label }) },
          genReqId: assignRequestId,
          // The error filter leaves the message of a 4xx/5xx answer here, so its log line says why.
          customSuccessMessage: (_request, response) => {
            const error = (response as { locals?: { errorMessage?: string } }).locals?.errorMessage;
            return error ? `request failed: ${error}` : 'request completed';
          },
          customLogLevel: (_request, response, error) =>
            error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
          autoLogging: {
            ignore: (request) =>
              QUIET_PATHS.some((path) => request.url?.startsWith(path)) &&
              (request.method === 'GET' || request.method === 'HEAD'),
          },
          serializers: {
            req: (request: { id: string; method: string; url: string; headers: Record<string, string> }) => ({
              id: request.id,
              method: request.method,
              url: request.url,
              contentType: request.headers['content-type'],
              contentLength: request.headers['content-length'],
            }),
            res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}

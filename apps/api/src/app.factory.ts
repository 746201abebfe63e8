import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { AppModule, AppOptions } from './app.module';
import { setupSwagger } from './common/swagger/swagger';

/**
 * Builds the application exactly as it runs in production (logger, body handling, Swagger, shutdown
 * hooks); main.ts listens on it, the e2e tests drive it with supertest.
 */
export async function createApp(options: AppOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    bufferLogs: true,
    // The API takes only multipart uploads (read by multer within its limits); no JSON or form bodies are parsed.
    bodyParser: false,
  });
  app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.enableShutdownHooks();
  setupSwagger(app);
  return app;
}

import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { ApiConfigService } from './common/config/api-config.service';

async function main(): Promise<void> {
  const app = await createApp();
  const { host, port } = app.get(ApiConfigService).server;
  await app.listen(port, host);
  new Logger('Main').log(`Listening on http://${host}:${port} (Swagger UI at /docs)`);
}

main().catch((error: unknown) => {
  // Configuration errors carry their own clear message; anything else keeps its stack for the operator.
  const message = error instanceof Error && error.name === 'ConfigValidationError' ? error.message : error;
  console.error(message);
  process.exit(1);
});

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Logger, Module, OnModuleInit } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import { setUiHeaders } from './ui-headers';

export const UI_PATH = '/ui';

/**
 * The page's files (plain HTML, CSS and ES modules: nothing to build). They sit next to this module in
 * the source tree, and `npm run build` copies them next to the compiled module in dist/, so the same
 * path works under jest/tsx, `npm start` and in the Docker image (which ships dist/ only).
 */
export const UI_PUBLIC_DIR = join(__dirname, 'public');

/** The web page at /ui: choose, drop, paste or snap an image, see the verdict, the boxes, the JSON. */
@Module({
  imports: [
    ServeStaticModule.forRoot({
      rootPath: UI_PUBLIC_DIR,
      serveRoot: UI_PATH,
      // Only /ui/ itself answers with the page; a missing file under /ui is a plain 404, not the page.
      renderPath: '/',
      serveStaticOptions: { setHeaders: setUiHeaders, index: 'index.html', fallthrough: true },
    }),
  ],
})
export class UiModule implements OnModuleInit {
  onModuleInit(): void {
    if (!existsSync(join(UI_PUBLIC_DIR, 'index.html'))) {
      new Logger(UiModule.name).warn(
        `The web page's files are missing from ${UI_PUBLIC_DIR}: ${UI_PATH} will answer 404 ` +
          '(`npm run build` copies them from apps/api/src/ui/public).',
      );
    }
  }
}

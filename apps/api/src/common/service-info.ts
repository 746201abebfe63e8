import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@maskd/imaging';

export const SERVICE_NAME = 'maskd';

let version: string | undefined;

/** The service version: the root package.json's, read once. */
export function serviceVersion(): string {
  version ??= (JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string })
    .version;
  return version;
}

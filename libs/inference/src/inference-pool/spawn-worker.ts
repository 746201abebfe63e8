import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * Starts a worker from a module file. Compiled builds run the .js file directly; when the sources run
 * as TypeScript (jest, tsx), the worker registers tsx's CommonJS loader before loading the entry.
 */
export function spawnWorker(entryFile: string, workerData: unknown): Worker {
  if (entryFile.endsWith('.ts')) {
    const code = `require('tsx/cjs'); require(${JSON.stringify(entryFile)});`;
    return new Worker(code, { eval: true, workerData });
  }
  return new Worker(entryFile, { workerData });
}

/** The sibling module `name` of the calling file, with the calling file's extension (.ts or .js). */
export function siblingModule(callerFile: string, name: string): string {
  return join(dirname(callerFile), name + (callerFile.endsWith('.ts') ? '.ts' : '.js'));
}

/**
 * Runs a CLI's main function: a failure prints one clear line (no stack trace) and sets exit code 1.
 * Set MASKD_DEBUG=1 to see the stack.
 */
export function runCli(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`error: ${message}`);
    if (process.env.MASKD_DEBUG && error instanceof Error) console.error(error.stack);
    process.exitCode = 1;
  });
}

export function parseInteger(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isSafeInteger(parsed)) throw new Error(`${name} must be an integer, got "${value}".`);
    return parsed;
  };
}

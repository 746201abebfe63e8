import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { healthRoutes } from './app-contract';
import { lastStep, readDockerfile } from './dockerfile';
import { reportProblems, verifyDockerSteps, VerifyReport } from './verify-docker-steps';

const repoDir = resolve(__dirname, '..', '..');

/**
 * The Docker image's steps, replayed without a Docker engine (see verify-docker-steps.ts): npm ci and the
 * build in a clean copy of the filtered build context, the runtime stage's production-only install, then the
 * server started as the image starts it and checked as Docker and Kubernetes would check it.
 * Takes 2-3 minutes (two clean npm installs and a full TypeScript build).
 */
describe('docker/Dockerfile replayed without Docker (e2e)', () => {
  let report: VerifyReport;
  const lines: string[] = [];

  beforeAll(async () => {
    report = await verifyDockerSteps({ repoDir, log: (line) => lines.push(line) });
  }, 600_000);

  afterAll(() => console.log(`verify-docker-steps:\n  ${lines.join('\n  ')}`));

  it('runs every build and install step, skipping only the base image OS packages', () => {
    const skipped = report.events.filter((event) => event.skipped).map((event) => event.step);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/^RUN apt-get update .* tini/);
    expect(report.events.filter((event) => event.step.startsWith('RUN npm ci'))).toHaveLength(2);
  });

  it('serves as the image user, ready on /health, the Kubernetes probe paths and the HEALTHCHECK', () => {
    if (process.getuid?.() === 0) expect(report.ranAs).toBe('uid 1000, gid 1000');
    expect(report.probes).toEqual({
      [`startup ${healthRoutes().live}`]: 200,
      [`liveness ${healthRoutes().live}`]: 200,
      [`readiness ${healthRoutes().ready}`]: 200,
    });
    expect(report.healthcheckExitCode).toBe(0);
  });

  it('runs real inferences with the production-only dependencies', () => {
    expect(report.detect.status).toBe(200);
    expect(['with_mask', 'without_mask']).toContain(report.detect.prediction);
    expect(report.batch).toEqual({ status: 200, count: 8 });
  });

  it('stops on SIGTERM within the grace period, answering the request in flight', () => {
    const entrypoint = lastStep(readDockerfile(repoDir).at(-1)!, 'ENTRYPOINT')!.argv;
    // Under tini (when this machine has it, as the image does) the exit status is 128 + SIGTERM.
    if (existsSync(entrypoint[0])) expect(report.entrypoint).toEqual(entrypoint);
    expect(report.shutdown.seconds).toBeLessThan(30);
    expect(report.shutdown.inFlightStatus).toBe(200);
    expect(reportProblems(report)).toEqual([]);
  });
});

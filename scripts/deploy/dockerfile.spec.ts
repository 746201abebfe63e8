import { existsSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { validate } from 'dockerfile-utils';
import { buildContextFilter, listBuildContext } from './build-context';
import { defaultPort, healthRoutes } from './app-contract';
import { DOCKERFILE_PATH, lastStep, readDockerfile, stageEnv, stepsOf } from './dockerfile';

const repoDir = resolve(__dirname, '..', '..');
const stages = readDockerfile(repoDir);
const [build, runtime] = stages;
const packageJson = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as {
  version: string;
  scripts: Record<string, string>;
};
const buildConfig = JSON.parse(readFileSync(join(repoDir, 'tsconfig.build.json'), 'utf8')) as {
  compilerOptions: { outDir: string; rootDir: string };
};
const runCommands = (stage: typeof build) => stepsOf(stage, 'RUN').map((step) => step.command);

describe('docker/Dockerfile', () => {
  it('passes the Dockerfile linter (dockerfile-utils, as in VS Code) without a warning', () => {
    const diagnostics = validate(readFileSync(join(repoDir, DOCKERFILE_PATH), 'utf8'));
    expect(diagnostics.map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
  });

  it('builds in a build stage and runs from a separate slim Node 20 stage', () => {
    expect(stages.map((stage) => stage.name)).toEqual(['build', 'runtime']);
    for (const stage of stages)
      expect(stage.baseImage).toMatch(/^node:20(\.\d+){0,2}-(bookworm|trixie)-slim$/);
    expect(build.baseImage).toBe(runtime.baseImage);
  });

  it('installs from the lock file with dev dependencies, then runs the package build script', () => {
    const commands = runCommands(build);
    expect(commands.some((c) => /^npm ci\b/.test(c) && !c.includes('--omit=dev'))).toBe(true);
    expect(commands).toContain('npm run build');
    expect(packageJson.scripts.build).toBeDefined();
  });

  it('installs only the root package production dependencies in the runtime stage', () => {
    const install = runCommands(runtime).find((c) => /^npm ci\b/.test(c));
    expect(install).toMatch(/--omit=dev\b/);
    expect(install).toMatch(/--workspaces=false\b/); // libs/training (TensorFlow.js) is not for the API
    expect(stageEnv(runtime)).toMatchObject({ NODE_ENV: 'production' });
    for (const stage of stages) expect(stageEnv(stage)).toMatchObject({ ONNXRUNTIME_NODE_INSTALL: 'skip' });
  });

  it('keeps npm caches out of the image: every npm ci uses a BuildKit cache mount', () => {
    for (const stage of stages) {
      for (const step of stepsOf(stage, 'RUN').filter((run) => /^npm ci\b/.test(run.command))) {
        expect(step.cacheMounts).toEqual(['/root/.npm']);
      }
    }
  });

  it('takes no sources into the runtime stage: only manifests, models and the build output', () => {
    const fromContext = stepsOf(runtime, 'COPY')
      .filter((step) => step.from === undefined)
      .flatMap((step) => step.sources);
    expect(fromContext.sort()).toEqual(['.npmrc', 'models', 'package-lock.json', 'package.json']);
    const fromBuild = stepsOf(runtime, 'COPY').filter((step) => step.from === 'build');
    const buildOutput = posix.join(lastStep(build, 'WORKDIR')!.path, buildConfig.compilerOptions.outDir);
    for (const step of fromBuild)
      for (const source of step.sources) expect(source.startsWith(`${buildOutput}/`)).toBe(true);
    expect(fromBuild.flatMap((step) => step.sources)).toContain(`${buildOutput}/apps/api`);
  });

  it('starts the compiled API with node under tini, as `npm start` does', () => {
    const main = posix.join(buildConfig.compilerOptions.outDir, 'apps/api/src/main.js');
    expect(existsSync(join(repoDir, 'apps/api/src/main.ts'))).toBe(true);
    expect(lastStep(runtime, 'CMD')?.argv).toEqual(['node', main]);
    expect(packageJson.scripts.start).toContain(`node ${main}`);
    expect(lastStep(runtime, 'ENTRYPOINT')?.argv).toEqual(['/usr/bin/tini', '--']);
    expect(runCommands(runtime).some((c) => /apt-get install .*\btini\b/.test(c))).toBe(true);
  });

  it('runs as a numeric non-root user', () => {
    const [uid, gid] = lastStep(runtime, 'USER')!.user.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    expect(gid).toBeGreaterThan(0);
  });

  it('exposes the API port and checks /health with node (slim images have no curl)', () => {
    expect(lastStep(runtime, 'EXPOSE')?.ports).toEqual([defaultPort()]);
    expect(stageEnv(runtime).PORT).toBe(String(defaultPort()));
    const healthcheck = lastStep(runtime, 'HEALTHCHECK')!;
    expect(healthcheck.argv.slice(0, 2)).toEqual(['node', '-e']);
    expect(healthcheck.argv[2]).toContain(`'${healthRoutes().status}'`);
    expect(Object.keys(healthcheck.options).sort()).toEqual([
      'interval',
      'retries',
      'start-period',
      'timeout',
    ]);
  });

  it('ships the model files in the image', () => {
    expect(stepsOf(runtime, 'COPY').some((s) => s.from === undefined && s.sources.includes('models'))).toBe(
      true,
    );
    expect(
      listBuildContext(repoDir).some((file) => file.startsWith('models/') && file.endsWith('.onnx')),
    ).toBe(true);
  });
});

describe('.dockerignore', () => {
  const context = listBuildContext(repoDir);
  const filter = buildContextFilter(repoDir);

  it('sends every file the Dockerfile copies from the context', () => {
    const sources = stages.flatMap((stage) =>
      stepsOf(stage, 'COPY')
        .filter((step) => step.from === undefined)
        .flatMap((step) => step.sources),
    );
    for (const source of sources) {
      expect(context.some((file) => file === source || file.startsWith(`${source}/`))).toBe(true);
    }
  });

  it.each([
    'node_modules/sharp/package.json',
    'libs/training/node_modules/x/index.js',
    'dist/apps/api/src/main.js',
    '.git/HEAD',
    'mlruns/0/meta.yaml',
    'training/runs/20260101-000000/history.json',
    'data/prepared/train/with_mask/a.jpg',
    'coverage/lcov.info',
    '.env',
    'apps/api/.env.production',
    'apps/api/src/main.spec.ts',
    'docs/architecture.md',
  ])('keeps %s out of the context', (path) => {
    expect(filter.excludes(path)).toBe(true);
  });

  it('keeps the context small (sources, manifests and models only)', () => {
    const topLevel = new Set(context.map((file) => file.split('/')[0]));
    expect([...topLevel].sort()).toEqual(
      [
        '.npmrc',
        'apps',
        'libs',
        'models',
        'package-lock.json',
        'package.json',
        'tsconfig.build.json',
        'tsconfig.json',
      ].sort(),
    );
  });
});

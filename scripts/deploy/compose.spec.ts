import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { defaultPort, healthRoutes, validateEnvironment } from './app-contract';
import { lastStep, readDockerfile, stageEnv } from './dockerfile';
import { parseYamlDocuments } from './k8s-manifests';

const repoDir = resolve(__dirname, '..', '..');
const composeFile = join(repoDir, 'docker', 'docker-compose.yml');
const composeDir = dirname(composeFile);

interface Service {
  build?: { context: string; dockerfile: string };
  image: string;
  command?: string[];
  ports: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  restart: string;
  healthcheck: { test: string[]; interval: string; timeout: string; retries: number; start_period: string };
}

const [compose] = parseYamlDocuments(readFileSync(composeFile, 'utf8'), 'docker-compose.yml') as {
  name: string;
  services: Record<string, Service>;
}[];
const { api, mlflow } = compose.services;

/** `${VAR:-default}` as compose interpolates it when VAR is unset. */
const interpolate = (value: string) => value.replace(/\$\{\w+:-([^}]*)\}/g, '$1');
const volume = (spec: string) => {
  const [source, target, mode] = interpolate(spec).split(':');
  return { source: resolve(composeDir, source), target, mode };
};
const publishedPorts = (service: Service) =>
  service.ports.map((mapping) => mapping.split(':').map(Number) as [number, number]);

describe('docker/docker-compose.yml', () => {
  it('runs the API and an MLflow UI', () => {
    expect(compose.name).toBe('maskd');
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'mlflow']);
  });

  it('restarts both services and checks their health with a command the image has', () => {
    for (const service of [api, mlflow]) {
      expect(['unless-stopped', 'always']).toContain(service.restart);
      expect(service.healthcheck.test[0]).toBe('CMD');
      expect(service.healthcheck).toEqual(
        expect.objectContaining({
          interval: expect.any(String),
          timeout: expect.any(String),
          retries: expect.any(Number),
        }),
      );
    }
    expect(api.healthcheck.test[1]).toBe('node');
    expect(mlflow.healthcheck.test[1]).toBe('python');
  });

  describe('api', () => {
    it('builds docker/Dockerfile from the repository root and tags the package version', () => {
      expect(resolve(composeDir, api.build!.context)).toBe(repoDir);
      expect(existsSync(join(repoDir, api.build!.dockerfile))).toBe(true);
      const { version } = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as {
        version: string;
      };
      expect(api.image).toBe(`maskd-api:${version}`);
    });

    it('publishes the port the API listens on and health-checks it on /health', () => {
      const port = Number(
        api.environment?.PORT ?? stageEnv(readDockerfile(repoDir).at(-1)!).PORT ?? defaultPort(),
      );
      expect(publishedPorts(api)).toEqual([[port, port]]);
      expect(lastStep(readDockerfile(repoDir).at(-1)!, 'EXPOSE')?.ports).toContain(port);
      expect(api.healthcheck.test.join(' ')).toContain(`'http://127.0.0.1:${port}${healthRoutes().status}'`);
    });

    it('passes its environment through the API configuration validation', () => {
      expect(() => validateEnvironment(api.environment ?? {})).not.toThrow();
    });

    it('runs read-only, without capabilities, with a tmpfs /tmp and the models mounted read-only', () => {
      expect(api).toMatchObject({ read_only: true, cap_drop: ['ALL'] });
      expect(api.tmpfs?.some((entry) => entry.split(':')[0] === '/tmp')).toBe(true);
      const workdir = lastStep(readDockerfile(repoDir).at(-1)!, 'WORKDIR')!.path;
      expect(api.volumes?.map(volume)).toEqual([
        { source: join(repoDir, 'models'), target: `${workdir}/models`, mode: 'ro' },
      ]);
    });
  });

  describe('mlflow', () => {
    it('runs a pinned official MLflow image', () => {
      expect(mlflow.image).toMatch(/^ghcr\.io\/mlflow\/mlflow:v\d+\.\d+\.\d+$/);
    });

    it('serves the UI on port 5000 over ./mlruns, mounted read-only where the command reads it', () => {
      const command = mlflow.command!.map(interpolate);
      expect(command.slice(0, 2)).toEqual(['mlflow', 'ui']);
      const option = (name: string) => command[command.indexOf(name) + 1];
      expect(option('--host')).toBe('0.0.0.0');
      expect(option('--port')).toBe('5000');
      expect(publishedPorts(mlflow)).toEqual([[5000, 5000]]);
      expect(mlflow.volumes?.map(volume)).toEqual([
        { source: join(repoDir, 'mlruns'), target: option('--backend-store-uri'), mode: 'ro' },
      ]);
      expect(mlflow.healthcheck.test.join(' ')).toContain('http://127.0.0.1:5000/health');
    });
  });
});

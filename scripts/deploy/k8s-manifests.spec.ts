import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import {
  configVariables,
  defaultPort,
  healthRoutes,
  metricsRoute,
  validateEnvironment,
} from './app-contract';
import { lastStep, readDockerfile } from './dockerfile';
import {
  apiContainer,
  findObject,
  K8S_DIR,
  K8sObject,
  KUSTOMIZATION_FILE,
  manifestFiles,
  readManifests,
} from './k8s-manifests';
import { schemaErrors, unknownFieldErrors } from './k8s-schema';

const repoDir = resolve(__dirname, '..', '..');
const manifests = readManifests(repoDir);
const container = apiContainer(manifests);

type Labels = Record<string, string>;
const deployment = findObject(manifests, 'Deployment') as K8sObject & {
  spec: {
    selector: { matchLabels: Labels };
    template: {
      metadata: { labels: Labels; annotations: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds: number;
        securityContext: Record<string, unknown> & { seccompProfile?: { type: string } };
        volumes: { name: string; emptyDir?: object }[];
      };
    };
  };
};
const podSpec = deployment.spec.template.spec;
const podLabels = deployment.spec.template.metadata.labels;
const configMap = findObject(manifests, 'ConfigMap') as K8sObject & { data: Record<string, string> };
const containerPort = container.ports?.find((p) => p.name === 'http')?.containerPort;

/** Kubernetes CPU quantity ("500m", "2") in cores. */
const cores = (quantity: string | number) =>
  typeof quantity === 'number'
    ? quantity
    : quantity.endsWith('m')
      ? Number(quantity.slice(0, -1)) / 1000
      : Number(quantity);
/** Kubernetes memory quantity ("384Mi", "1Gi") in MiB. */
const mebibytes = (quantity: string) => {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
};
const matches = (selector: Labels, labels: Labels) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

describe('Kubernetes manifests (docker/k8s)', () => {
  it('has one object of each kind the service needs', () => {
    expect(manifests.map((m) => m.object.kind).sort()).toEqual([
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Service',
    ]);
  });

  it.each(manifests.map((m) => [`${m.file}: ${m.object.kind}`, m.object] as const))(
    '%s validates against the Kubernetes 1.33 OpenAPI schema',
    (_label, object) => {
      expect(schemaErrors(object)).toEqual([]);
    },
  );

  it('uses no field the schema does not define', () => {
    const objects = manifests.map((m) => ({ label: `${m.file}: ${m.object.kind}`, object: m.object }));
    expect(unknownFieldErrors(objects)).toEqual([]);
  });

  it('catches a misspelt field and a malformed quantity (the checks above are not vacuous)', () => {
    const broken = structuredClone(deployment);
    const brokenContainer = (
      broken.spec.template.spec as unknown as { containers: Record<string, unknown>[] }
    ).containers[0];
    brokenContainer.livenesProbe = brokenContainer.livenessProbe;
    brokenContainer.resources = { limits: { cpu: 'two' } };
    expect(unknownFieldErrors([{ label: 'broken', object: broken }]).join('\n')).toMatch(/livenesProbe/);
    expect(schemaErrors(broken).join('\n')).toMatch(/limits\/cpu/);
  });

  it('lists every manifest in the kustomization', () => {
    const kustomization = parse(readFileSync(join(repoDir, K8S_DIR, KUSTOMIZATION_FILE), 'utf8')) as {
      resources: string[];
    };
    expect([...kustomization.resources].sort()).toEqual(manifestFiles(repoDir));
  });

  describe('Deployment', () => {
    it('probes the paths the API serves for liveness, readiness and start-up', () => {
      const routes = healthRoutes();
      expect(container.livenessProbe?.httpGet.path).toBe(routes.live);
      expect(container.readinessProbe?.httpGet.path).toBe(routes.ready);
      expect(container.startupProbe?.httpGet.path).toBe(routes.live);
      for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
        expect(probe?.httpGet.port).toBe('http');
      }
    });

    it('exposes the port the API listens on, as configured by the ConfigMap and the image', () => {
      const image = readDockerfile(repoDir).at(-1)!;
      expect(containerPort).toBe(Number(configMap.data.PORT ?? defaultPort()));
      expect(lastStep(image, 'EXPOSE')?.ports).toEqual([containerPort]);
    });

    it('tells Prometheus where the API serves its metrics', () => {
      expect(deployment.spec.template.metadata.annotations).toEqual({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(containerPort),
        'prometheus.io/path': metricsRoute(),
      });
    });

    it('runs the image version the package declares', () => {
      const { version } = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as {
        version: string;
      };
      expect(container.image).toBe(`maskd-api:${version}`);
    });

    it('sets resource requests and limits, and thread counts within the CPU limit', () => {
      const { requests, limits } = container.resources as Record<
        'requests' | 'limits',
        Record<string, string>
      >;
      expect(cores(requests.cpu)).toBeLessThanOrEqual(cores(limits.cpu));
      expect(mebibytes(requests.memory)).toBeLessThanOrEqual(mebibytes(limits.memory));
      // Unset (or ORT 0), these follow the cores of the node, however few the pod may use.
      for (const variable of [
        'ORT_INTRA_OP_THREADS',
        'ORT_SOLO_INTRA_OP_THREADS',
        'INFERENCE_WORKERS',
        'DECODE_CONCURRENCY',
      ]) {
        const threads = Number(configMap.data[variable]);
        // 0 turns the solo session off; the others need at least one.
        expect(threads).toBeGreaterThanOrEqual(variable === 'ORT_SOLO_INTRA_OP_THREADS' ? 0 : 1);
        expect(threads).toBeLessThanOrEqual(Math.ceil(cores(limits.cpu)));
      }
    });

    it('runs as the image user, unprivileged, on a read-only root filesystem with a writable /tmp', () => {
      const [uid, gid] = lastStep(readDockerfile(repoDir).at(-1)!, 'USER')!.user.split(':').map(Number);
      expect(podSpec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: uid, runAsGroup: gid });
      expect(podSpec.securityContext.seccompProfile?.type).toBe('RuntimeDefault');
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      const mounts = container.volumeMounts as { name: string; mountPath: string }[];
      const tmp = mounts.find((m) => m.mountPath === '/tmp');
      expect(podSpec.volumes.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
      expect(deployment.spec.template.spec).toMatchObject({ automountServiceAccountToken: false });
    });

    it('gives in-flight requests time to finish after the preStop pause', () => {
      const preStop = (container.lifecycle as { preStop: { exec: { command: string[] } } }).preStop.exec
        .command;
      expect(preStop[0]).toBe('sleep');
      expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(Number(preStop[1]) + 30);
    });

    it('selects its own pods', () => {
      expect(matches(deployment.spec.selector.matchLabels, podLabels)).toBe(true);
    });
  });

  describe('ConfigMap', () => {
    it('sets only variables the API reads', () => {
      expect(configVariables()).toEqual(expect.arrayContaining(Object.keys(configMap.data)));
    });

    it('passes the API configuration validation', () => {
      expect(() => validateEnvironment(configMap.data)).not.toThrow();
      expect(validateEnvironment(configMap.data).models.dir).toBe(
        `${lastStep(readDockerfile(repoDir).at(-1)!, 'WORKDIR')?.path}/models`,
      );
    });

    it('is what the Deployment loads', () => {
      expect(container.envFrom).toEqual([{ configMapRef: { name: configMap.metadata.name } }]);
    });
  });

  it('Service routes its http port to the pods', () => {
    const service = findObject(manifests, 'Service') as K8sObject & {
      spec: { selector: Labels; ports: { targetPort: string | number }[] };
    };
    expect(matches(service.spec.selector, podLabels)).toBe(true);
    expect(service.spec.ports.map((p) => p.targetPort)).toEqual(['http']);
  });

  it('HorizontalPodAutoscaler scales the Deployment on CPU, leaving room for the disruption budget', () => {
    const hpa = findObject(manifests, 'HorizontalPodAutoscaler') as K8sObject & {
      spec: {
        scaleTargetRef: { kind: string; name: string };
        minReplicas: number;
        maxReplicas: number;
        metrics: { type: string; resource?: { name: string } }[];
      };
    };
    const pdb = findObject(manifests, 'PodDisruptionBudget') as K8sObject & {
      spec: { minAvailable: number; selector: { matchLabels: Labels } };
    };
    expect(hpa.spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.metrics.map((m) => m.resource?.name)).toEqual(['cpu']);
    expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
    expect(matches(pdb.spec.selector.matchLabels, podLabels)).toBe(true);
    // With fewer replicas than minAvailable + 1, no pod could ever be evicted and node drains would hang.
    expect(hpa.spec.minReplicas).toBeGreaterThan(pdb.spec.minAvailable);
  });
});

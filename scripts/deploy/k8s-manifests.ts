import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/*
 * The Kubernetes manifests in docker/k8s, parsed. Shared by the manifest tests and verify-docker-steps
 * (which probes the running server on the paths the Deployment's probes use).
 */

export const K8S_DIR = join('docker', 'k8s');
export const KUSTOMIZATION_FILE = 'kustomization.yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

export interface ManifestDocument {
  file: string;
  object: K8sObject;
}

export interface HttpProbe {
  httpGet: { path: string; port: number | string };
  [field: string]: unknown;
}

export interface ContainerSpec {
  name: string;
  image: string;
  ports?: { name?: string; containerPort: number }[];
  envFrom?: { configMapRef?: { name: string } }[];
  startupProbe?: HttpProbe;
  livenessProbe?: HttpProbe;
  readinessProbe?: HttpProbe;
  [field: string]: unknown;
}

/** Parses YAML strictly (duplicate keys, bad indentation, tabs are errors); one object per document. */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  return parseAllDocuments(text, { uniqueKeys: true, strict: true })
    .filter((document) => document.contents !== null)
    .map((document) => {
      if (document.errors.length > 0)
        throw new Error(`${source}: ${document.errors.map((e) => e.message).join('; ')}`);
      return document.toJS() as unknown;
    });
}

/** The manifest files of docker/k8s (every *.yaml but the kustomization). */
export function manifestFiles(repoDir: string): string[] {
  return readdirSync(join(repoDir, K8S_DIR))
    .filter((file) => /\.ya?ml$/.test(file) && file !== KUSTOMIZATION_FILE)
    .sort();
}

export function readManifests(repoDir: string): ManifestDocument[] {
  return manifestFiles(repoDir).flatMap((file) =>
    parseYamlDocuments(readFileSync(join(repoDir, K8S_DIR, file), 'utf8'), file).map((object) => ({
      file,
      object: object as K8sObject,
    })),
  );
}

export function findObject(manifests: ManifestDocument[], kind: string): K8sObject {
  const matches = manifests.filter((m) => m.object.kind === kind);
  if (matches.length !== 1) throw new Error(`expected one ${kind} in ${K8S_DIR}, found ${matches.length}`);
  return matches[0].object;
}

/** The Deployment's API container. */
export function apiContainer(manifests: ManifestDocument[]): ContainerSpec {
  const deployment = findObject(manifests, 'Deployment') as K8sObject & {
    spec: { template: { spec: { containers: ContainerSpec[] } } };
  };
  const containers = deployment.spec.template.spec.containers;
  if (containers.length !== 1)
    throw new Error(`expected one container in the Deployment, found ${containers.length}`);
  return containers[0];
}

/** The HTTP paths the Deployment's probes request, by probe. */
export function probePaths(
  container: ContainerSpec,
): Record<'startup' | 'liveness' | 'readiness', string | undefined> {
  return {
    startup: container.startupProbe?.httpGet.path,
    liveness: container.livenessProbe?.httpGet.path,
    readiness: container.readinessProbe?.httpGet.path,
  };
}

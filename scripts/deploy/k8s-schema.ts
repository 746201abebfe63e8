import { join } from 'node:path';
import ts from 'typescript';
import { K8sObject } from './k8s-manifests';

/*
 * Offline validation of Kubernetes manifests against the API's OpenAPI schema, as bundled by the
 * kubernetes-models package (v4.5: Kubernetes 1.33.0; v5 needs Node 22):
 *   - schemaErrors: the JSON-schema validators kubernetes-models compiles from the OpenAPI spec
 *     (required fields, types, enums, formats such as resource quantities);
 *   - unknownFieldErrors: fields the schema does not define (a misspelt `livenesProbe` would otherwise be
 *     dropped by the API server or refused at apply time), found by type-checking each manifest as an object
 *     literal of the package's TypeScript interface: excess-property checks are exact for every nested type.
 */

interface ModelClass {
  new (data: unknown): { validate(): void };
}

interface ValidationErrorLike extends Error {
  errors?: { instancePath: string; message?: string }[];
}

/** `apps/v1` + `Deployment` -> the kubernetes-models module path, e.g. `kubernetes-models/apps/v1`. */
function modelModule(apiVersion: string): string {
  if (!/^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion))
    throw new Error(`odd apiVersion: ${apiVersion}`);
  return `kubernetes-models/${apiVersion}`;
}

/** Schema violations of one object, as `path: message` lines (empty when valid). */
export function schemaErrors(object: K8sObject): string[] {
  let Model: ModelClass | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Model = (require(modelModule(object.apiVersion)) as Record<string, ModelClass>)[object.kind];
  } catch {
    Model = undefined;
  }
  if (!Model) return [`unknown kind ${object.apiVersion} ${object.kind} (not in Kubernetes 1.33)`];
  try {
    new Model(object).validate();
    return [];
  } catch (error) {
    const { errors, message } = error as ValidationErrorLike;
    return errors?.map((e) => `${e.instancePath || '/'}: ${e.message}`) ?? [message];
  }
}

const CHECK_FILE = join(__dirname, '__k8s_manifest_types__.ts');
/** Parsed declaration files, shared by successive checks. */
const declarationFiles = new Map<string, ts.SourceFile | undefined>();

/**
 * Fields that the schema does not define, for several objects at once (one type-check), as
 * `<label>: <message>` lines.
 */
export function unknownFieldErrors(objects: { label: string; object: K8sObject }[]): string[] {
  const imports = objects.map(
    ({ object }, i) =>
      `import type { I${object.kind} as T${i} } from '${modelModule(object.apiVersion)}/${object.kind}';`,
  );
  const declarations = objects.map(
    ({ object }, i) => `export const m${i}: T${i} = ${JSON.stringify(object)};`,
  );
  const source = [...imports, ...declarations].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.getSourceFile = (name, language, ...rest) => {
    if (name === CHECK_FILE) return ts.createSourceFile(name, source, language);
    if (!declarationFiles.has(name)) declarationFiles.set(name, readSourceFile(name, language, ...rest));
    return declarationFiles.get(name);
  };
  host.fileExists = (name) => name === CHECK_FILE || fileExists(name);
  const program = ts.createProgram([CHECK_FILE], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
    if (diagnostic.file?.fileName !== CHECK_FILE || diagnostic.start === undefined) return message;
    const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line;
    const index = line - objects.length;
    return `${objects[index]?.label ?? `line ${line}`}: ${message}`;
  });
}

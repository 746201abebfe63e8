import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Copy, DockerfileParser, Env, Flag, From, Healthcheck, Instruction } from 'dockerfile-ast';

/*
 * The Dockerfile as data: its stages and their instructions, parsed by dockerfile-ast (the parser behind
 * VS Code's Dockerfile support). The structural tests and verify-docker-steps both read the image's steps
 * from here, so nothing the Dockerfile says is repeated in them.
 */

export const DOCKERFILE_PATH = join('docker', 'Dockerfile');

export type StageStep =
  | { kind: 'WORKDIR'; path: string }
  | { kind: 'ENV'; vars: Record<string, string> }
  | { kind: 'COPY'; from?: string; sources: string[]; destination: string }
  | { kind: 'RUN'; command: string; cacheMounts: string[] }
  | { kind: 'USER'; user: string }
  | { kind: 'EXPOSE'; ports: number[] }
  | { kind: 'HEALTHCHECK'; options: Record<string, string>; argv: string[] }
  | { kind: 'ENTRYPOINT'; argv: string[] }
  | { kind: 'CMD'; argv: string[] };

export interface DockerStage {
  name: string;
  /** The base image with build arguments substituted, e.g. `node:20.20-bookworm-slim`. */
  baseImage: string;
  steps: StageStep[];
}

export class DockerfileShapeError extends Error {
  override readonly name = 'DockerfileShapeError';
}

/** Exec form only (`["a", "b"]`): the shell form would add a shell between tini and node. */
function execForm(instruction: Instruction, text: string): string[] {
  try {
    const argv: unknown = JSON.parse(text);
    if (Array.isArray(argv) && argv.length > 0 && argv.every((item) => typeof item === 'string')) return argv;
  } catch {
    // reported below
  }
  throw new DockerfileShapeError(`${instruction.getKeyword()} must use the JSON exec form, got: ${text}`);
}

/** Targets of `RUN --mount=type=cache,target=...` (BuildKit cache mounts: kept between builds, not in the image). */
function cacheMounts(instruction: Instruction): string[] {
  const flags = (instruction as Instruction & { getFlags(): Flag[] }).getFlags();
  return flags.map((flag) => {
    const options = Object.fromEntries(flag.getOptions().map((o) => [o.getName(), o.getValue()]));
    if (flag.getName() !== 'mount' || options.type !== 'cache' || !options.target) {
      throw new DockerfileShapeError(`unsupported RUN flag --${flag.getName()}=${flag.getValue()}`);
    }
    return options.target;
  });
}

function parseStep(instruction: Instruction): StageStep | undefined {
  const keyword = instruction.getKeyword();
  const content = instruction.getArgumentsContent() ?? '';
  switch (keyword) {
    case 'WORKDIR':
      return { kind: 'WORKDIR', path: content.trim() };
    case 'ENV':
      return {
        kind: 'ENV',
        vars: Object.fromEntries(
          (instruction as Env).getProperties().map((p) => [p.getName(), p.getValue() ?? '']),
        ),
      };
    case 'COPY': {
      const copy = instruction as Copy;
      const args = copy.getArguments().map((a) => a.getValue());
      const unsupported = copy.getFlags().filter((f) => f.getName() !== 'from');
      if (unsupported.length > 0 || args.length < 2 || args.some((a) => /[*?[]/.test(a))) {
        throw new DockerfileShapeError(
          `unsupported COPY form (flags other than --from, or wildcards): ${content}`,
        );
      }
      return {
        kind: 'COPY',
        from: copy.getFromFlag()?.getValue() ?? undefined,
        sources: args.slice(0, -1),
        destination: args[args.length - 1],
      };
    }
    case 'RUN':
      return { kind: 'RUN', command: content.trim(), cacheMounts: cacheMounts(instruction) };
    case 'USER':
      return { kind: 'USER', user: content.trim() };
    case 'EXPOSE':
      return {
        kind: 'EXPOSE',
        ports: content
          .trim()
          .split(/\s+/)
          .map((p) => Number.parseInt(p, 10)),
      };
    case 'HEALTHCHECK': {
      const healthcheck = instruction as Healthcheck;
      const options = Object.fromEntries(
        healthcheck.getFlags().map((f) => [f.getName(), f.getValue() ?? '']),
      );
      const command = content.slice(content.indexOf('CMD') + 'CMD'.length).trim();
      return { kind: 'HEALTHCHECK', options, argv: execForm(instruction, command) };
    }
    case 'ENTRYPOINT':
    case 'CMD':
      return { kind: keyword, argv: execForm(instruction, content) };
    default:
      return undefined; // ARG, LABEL, ...: nothing the checks or the replay need
  }
}

/** Parses a Dockerfile's text into its stages. */
export function parseDockerfile(text: string): DockerStage[] {
  const dockerfile = DockerfileParser.parse(text);
  const stages: DockerStage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = instruction as From;
      const name = from.getBuildStage() ?? String(stages.length);
      stages.push({ name, baseImage: from.getExpandedArguments()[0].getValue(), steps: [] });
      continue;
    }
    const step = parseStep(instruction);
    if (step && stages.length > 0) stages[stages.length - 1].steps.push(step);
  }
  return stages;
}

export function readDockerfile(repoDir: string): DockerStage[] {
  return parseDockerfile(readFileSync(join(repoDir, DOCKERFILE_PATH), 'utf8'));
}

/** The steps of one kind, in order. */
export function stepsOf<K extends StageStep['kind']>(
  stage: DockerStage,
  kind: K,
): Extract<StageStep, { kind: K }>[] {
  return stage.steps.filter((step): step is Extract<StageStep, { kind: K }> => step.kind === kind);
}

/** The last step of a kind (the one that takes effect for USER, CMD, HEALTHCHECK, ...). */
export function lastStep<K extends StageStep['kind']>(
  stage: DockerStage,
  kind: K,
): Extract<StageStep, { kind: K }> | undefined {
  return stepsOf(stage, kind).at(-1);
}

/** The environment a stage's ENV steps set. */
export function stageEnv(stage: DockerStage): Record<string, string> {
  return Object.assign({}, ...stepsOf(stage, 'ENV').map((step) => step.vars));
}

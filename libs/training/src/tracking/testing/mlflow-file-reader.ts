// Reads an mlruns folder with the rules of MLflow's FileStore (file_store.py: _get_experiment,
// _list_run_infos, _read_persisted_run_info_dict, _get_metric_from_line, _get_param_from_file …), failing
// where MLflow would fail or silently skip. Tests use it to prove that what maskd writes is what MLflow reads.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { validateKey, validateRunId } from '../validation';

const RUN_STATUS_NAMES: Record<number, string> = {
  1: 'RUNNING',
  2: 'SCHEDULED',
  3: 'FINISHED',
  4: 'FAILED',
  5: 'KILLED',
};
const RESERVED_EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces']);
const REQUIRED_EXPERIMENT_KEYS = ['experiment_id', 'name', 'artifact_location', 'lifecycle_stage'];
// RunInfo.__init__ arguments without defaults.
const REQUIRED_RUN_KEYS = [
  'run_uuid',
  'experiment_id',
  'user_id',
  'status',
  'start_time',
  'end_time',
  'lifecycle_stage',
];

export interface MlflowMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface MlflowRun {
  info: {
    runId: string;
    runName: string | undefined;
    experimentId: string;
    userId: string;
    status: string;
    startTime: number;
    endTime: number | null;
    lifecycleStage: string;
    artifactUri: string;
  };
  /** Full history per key, in file order. */
  metricHistory: Record<string, MlflowMetric[]>;
  /** The value MLflow shows: the one with the largest (step, timestamp, value). */
  latestMetrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface MlflowExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: string;
  creationTime?: number;
  runs: MlflowRun[];
}

export async function readMlflowFileStore(root: string): Promise<MlflowExperiment[]> {
  const experiments: MlflowExperiment[] = [];
  for (const dir of await subdirectories(root)) {
    if (dir === '.trash' || dir === 'models') continue;
    experiments.push(await readExperiment(path.join(root, dir), dir));
  }
  return experiments;
}

async function readExperiment(dir: string, folderName: string): Promise<MlflowExperiment> {
  const meta = await readYaml(path.join(dir, 'meta.yaml'));
  requireKeys(meta, REQUIRED_EXPERIMENT_KEYS, dir);
  // Legacy int ids are cast to str; anything else must equal the folder or MLflow ignores the experiment.
  const experimentId =
    typeof meta.experiment_id === 'number' ? String(meta.experiment_id) : meta.experiment_id;
  if (experimentId !== folderName)
    throw new Error(`experiment id ${String(experimentId)} does not match folder ${dir}`);
  const runs: MlflowRun[] = [];
  for (const runDir of await subdirectories(dir)) {
    if (RESERVED_EXPERIMENT_FOLDERS.has(runDir)) continue;
    const run = await readRun(path.join(dir, runDir));
    if (run.info.experimentId !== experimentId)
      throw new Error(`run ${runDir} records another experiment id`);
    runs.push(run);
  }
  return {
    experimentId,
    name: expectString(meta.name, 'name'),
    artifactLocation: expectString(meta.artifact_location, 'artifact_location'),
    lifecycleStage: expectString(meta.lifecycle_stage, 'lifecycle_stage'),
    creationTime: meta.creation_time as number | undefined,
    runs,
  };
}

async function readRun(dir: string): Promise<MlflowRun> {
  const meta = await readYaml(path.join(dir, 'meta.yaml'));
  requireKeys(meta, REQUIRED_RUN_KEYS, dir);
  const runId = expectString(meta.run_id ?? meta.run_uuid, 'run_id');
  validateRunId(runId);
  if (path.basename(dir) !== runId) throw new Error(`run folder ${dir} does not match run id ${runId}`);
  const statusCode = meta.status ?? 1;
  if (typeof statusCode !== 'number' || !RUN_STATUS_NAMES[statusCode]) {
    throw new Error(`run ${runId}: status must be MLflow's integer enum, got ${String(statusCode)}`);
  }
  const metricHistory: Record<string, MlflowMetric[]> = {};
  for (const key of await filesBelow(path.join(dir, 'metrics'))) {
    validateKey('metric', key);
    const lines = (await fs.readFile(path.join(dir, 'metrics', key), 'utf8'))
      .split('\n')
      .filter((l) => l.length > 0);
    if (lines.length === 0) throw new Error(`Metric '${key}' is malformed. No data found.`);
    metricHistory[key] = lines.map((line) => parseMetricLine(key, line));
  }
  const latestMetrics = Object.fromEntries(
    Object.entries(metricHistory).map(([key, history]) => [key, maxBy(history).value]),
  );
  return {
    info: {
      runId,
      runName: meta.run_name as string | undefined,
      experimentId:
        typeof meta.experiment_id === 'number' ? String(meta.experiment_id) : (meta.experiment_id as string),
      userId: expectString(meta.user_id, 'user_id'),
      status: RUN_STATUS_NAMES[statusCode],
      startTime: meta.start_time as number,
      endTime: meta.end_time as number | null,
      lifecycleStage: expectString(meta.lifecycle_stage ?? 'active', 'lifecycle_stage'),
      artifactUri: expectString(meta.artifact_uri, 'artifact_uri'),
    },
    metricHistory,
    latestMetrics,
    params: await readEntities(path.join(dir, 'params'), 'param'),
    tags: await readEntities(path.join(dir, 'tags'), 'tag'),
  };
}

/** `_get_metric_from_line`: 2 or 3 space-separated fields, `int(ts) float(value) int(step)`. */
function parseMetricLine(key: string, line: string): MlflowMetric {
  const parts = line.trim().split(' ');
  if (parts.length !== 2 && parts.length !== 3) throw new Error(`Metric '${key}' is malformed: '${line}'`);
  const pythonInt = (text: string) => {
    if (!/^[-+]?\d+$/.test(text)) throw new Error(`Metric '${key}': int('${text}') fails in Python`);
    return Number(text);
  };
  return {
    key,
    timestamp: pythonInt(parts[0]),
    value: pythonFloat(key, parts[1]),
    step: parts[2] ? pythonInt(parts[2]) : 0,
  };
}

function pythonFloat(key: string, text: string): number {
  const special: Record<string, number> = { nan: NaN, inf: Infinity, infinity: Infinity };
  const lower = text.toLowerCase().replace(/^[+-]/, '');
  if (lower in special) return text.startsWith('-') ? -special[lower] : special[lower];
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text))
    throw new Error(`Metric '${key}': float('${text}') fails`);
  return Number(text);
}

function maxBy(history: MlflowMetric[]): MlflowMetric {
  const compare = (a: MlflowMetric, b: MlflowMetric) =>
    a.step - b.step || a.timestamp - b.timestamp || a.value - b.value;
  return history.reduce((best, m) => (compare(m, best) > 0 ? m : best));
}

async function readEntities(dir: string, kind: 'param' | 'tag'): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const key of await filesBelow(dir)) {
    validateKey(kind, key);
    result[key] = await fs.readFile(path.join(dir, key), 'utf8');
  }
  return result;
}

/** PyYAML's safe_load reads YAML 1.1. */
async function readYaml(file: string): Promise<Record<string, unknown>> {
  const doc = YAML.parse(await fs.readFile(file, 'utf8'), { version: '1.1' }) as unknown;
  if (!doc || typeof doc !== 'object') throw new Error(`${file} is not a YAML mapping`);
  return doc as Record<string, unknown>;
}

function requireKeys(meta: Record<string, unknown>, keys: string[], where: string): void {
  const missing = keys.filter((k) => !(k in meta));
  if (missing.length) throw new Error(`${where}/meta.yaml lacks ${missing.join(', ')}`);
}

function expectString(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what} must be a string, got ${typeof value}`);
  return value;
}

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name);
}

/** Relative POSIX paths of all files below `dir`, as `os.walk` finds them (keys may contain '/'). */
async function filesBelow(dir: string, prefix = ''): Promise<string[]> {
  const entries = await fs.readdir(path.join(dir, prefix), { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await filesBelow(dir, relative)));
    else files.push(relative);
  }
  return files;
}

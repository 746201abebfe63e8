import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type TensorflowBackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface TensorflowBackend {
  /** The backend made active for tfjs operations. */
  name: TensorflowBackendName;
  /** Every backend that initialised; `cpu` is always there and has every kernel (incl. gradients). */
  available: TensorflowBackendName[];
  /** Threads used by the wasm backend (1 under Node: tfjs ships no worker pool for it), 0 otherwise. */
  wasmThreads: number;
  wasmSimd: boolean;
  tfjsVersion: string;
}

export interface InitTensorflowOptions {
  /**
   * Force a backend instead of the best available one. Defaults to the `MASKD_TF_BACKEND` environment
   * variable, then to the first of tensorflow > wasm > cpu that loads.
   */
  prefer?: TensorflowBackendName;
  /** Where the one line naming the chosen backend goes. */
  log?: (message: string) => void;
}

const BACKEND_NAMES: readonly TensorflowBackendName[] = ['tensorflow', 'wasm', 'cpu'];
// A variable, so TypeScript does not try to resolve the optional package at compile time.
const TFJS_NODE_PACKAGE = '@tensorflow/tfjs-node';

let initialised: Promise<TensorflowBackend> | undefined;

/**
 * Picks and activates the tfjs backend once per process (later calls return the first result):
 * `@tensorflow/tfjs-node` when installed, else the wasm backend (fast forward passes, few gradient kernels),
 * with the pure-JS `cpu` backend always registered for what wasm lacks (switch with `useBackend('cpu')`).
 * Nothing is downloaded: the wasm binaries are read from the installed package.
 */
export function initTensorflow(options: InitTensorflowOptions = {}): Promise<TensorflowBackend> {
  initialised ??= chooseBackend(options).catch((error: unknown) => {
    initialised = undefined;
    throw error;
  });
  return initialised;
}

/** Switches the active backend (it must have initialised, see `TensorflowBackend.available`). */
export async function useBackend(name: TensorflowBackendName): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' is not available`);
}

async function chooseBackend(options: InitTensorflowOptions): Promise<TensorflowBackend> {
  const prefer = options.prefer ?? parseBackendName(process.env.MASKD_TF_BACKEND);
  const available: TensorflowBackendName[] = [];
  if ((prefer === undefined || prefer === 'tensorflow') && (await loadTfjsNode()))
    available.push('tensorflow');
  if (prefer !== 'tensorflow' && (await initWasmBackend())) available.push('wasm');
  available.push('cpu');

  const name = prefer && available.includes(prefer) ? prefer : available[0];
  if (prefer && name !== prefer) {
    throw new Error(`tfjs backend '${prefer}' was requested but could not be loaded`);
  }
  await useBackend(name);
  await tf.ready();

  const wasmSimd = available.includes('wasm') && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const backend: TensorflowBackend = {
    name,
    available,
    wasmThreads: available.includes('wasm') ? getThreadsCount() : 0,
    wasmSimd,
    tfjsVersion: tf.version.tfjs,
  };
  (options.log ?? console.info)(describeBackend(backend));
  return backend;
}

export function describeBackend(backend: TensorflowBackend): string {
  const wasm =
    backend.name === 'wasm'
      ? ` (${backend.wasmSimd ? 'simd' : 'no simd'}, ${backend.wasmThreads} thread)`
      : '';
  return `[maskd] tensorflow.js ${backend.tfjsVersion} backend: ${backend.name}${wasm}; available: ${backend.available.join(', ')}`;
}

function parseBackendName(value: string | undefined): TensorflowBackendName | undefined {
  if (value === undefined || value === '') return undefined;
  if (!BACKEND_NAMES.includes(value as TensorflowBackendName)) {
    throw new Error(`MASKD_TF_BACKEND must be one of ${BACKEND_NAMES.join(', ')}, got '${value}'`);
  }
  return value as TensorflowBackendName;
}

async function loadTfjsNode(): Promise<boolean> {
  try {
    await import(TFJS_NODE_PACKAGE);
  } catch {
    return false;
  }
  // tfjs-node registers its backend in the tfjs-core it resolves; a second copy of tfjs-core would leave ours without it.
  return tf.findBackendFactory('tensorflow') !== null;
}

async function initWasmBackend(): Promise<boolean> {
  const wasmFile = require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm');
  setWasmPaths(`${path.dirname(wasmFile)}${path.sep}`);
  // The Emscripten runtime installs process handlers that rethrow any uncaught error with its whole minified
  // source as the message; they are removed so errors crash (or are handled) as in any Node program.
  const emitter: NodeJS.EventEmitter = process;
  const events = ['uncaughtException', 'unhandledRejection'];
  const before = new Set(events.flatMap((event) => emitter.listeners(event)));
  try {
    return await tf.setBackend('wasm');
  } catch {
    return false;
  } finally {
    for (const event of events) {
      for (const listener of emitter.listeners(event)) {
        if (!before.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
      }
    }
  }
}

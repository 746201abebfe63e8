import type { InferenceSession } from 'onnxruntime-node';

/** onnxruntime thread settings of one session. 0 leaves the choice to onnxruntime (one thread per core). */
export interface SessionThreads {
  intraOpThreads?: number;
  interOpThreads?: number;
}

/**
 * The session options of every model this library runs (the mask classifier and both BlazeFace networks).
 * Measured on the 2-core benchmark machine (AMD EPYC, AVX-512), MobileNetV2 at batch 1 on one thread:
 * - graph optimisation `all` (NCHWc layout, fused Conv+activation): 7.5 ms, against 15 ms at `extended`
 *   and 17.5 ms at `disabled`; BlazeFace back 256: 7.4 against 13.5 ms;
 * - `sequential` execution: these are chains of convolutions, there is nothing for inter-op threads to do;
 * - idle pool threads sleep instead of spinning: a server shares its cores with HTTP and image decoding, and
 *   spinning threads took the CPU those needed (2 threads: 15 instead of 9 ms of CPU per image when busy);
 * - the CPU memory arena and memory patterns stay on (default): off, a run took 0.3 ms longer.
 */
export function sessionOptions(threads: SessionThreads = {}): InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads.intraOpThreads ?? 0,
    interOpNumThreads: threads.interOpThreads ?? 0,
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}

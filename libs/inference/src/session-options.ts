import type { InferenceSession } from 'onnxruntime-node';

/**
 * onnxruntime thread settings of one session. 0 leaves the choice to onnxruntime (one thread per core).
 * There is no inter-op setting: sessions run sequentially, and onnxruntime creates its inter-op pool (and reads
 * its thread count and spinning option) only for parallel execution.
 */
export interface SessionThreads {
  intraOpThreads?: number;
}

/**
 * The session options of every model this library runs (the mask classifier and both BlazeFace networks).
 * Measured on the 2-core benchmark machine (AMD EPYC, AVX-512), MobileNetV2 at batch 1 on one thread:
 * - graph optimisation `all` (NCHWc layout, fused Conv+activation): 7.5 ms, against 15 ms at `extended`
 *   and 17.5 ms at `disabled`; BlazeFace back 256: 7.4 against 13.5 ms;
 * - `sequential` execution: these are chains of convolutions, there is nothing for inter-op threads to do;
 * - idle pool threads sleep instead of spinning: a server shares its cores with HTTP and image decoding, and
 *   spinning threads took the CPU those needed (2 threads: 15 instead of 9 ms of CPU per image when busy). Even
 *   the solo session (2 threads, run only while no other worker works), which alone on idle cores runs 4.0 instead
 *   of 4.9 ms when spinning, made the API slower: face crops at concurrency 1 took 27-29 instead of 18 ms of CPU
 *   per request and p90 rose from 16-17 to 21-22 ms, its threads spinning on while the next upload was decoded;
 * - the CPU memory arena and memory patterns stay on (default): without the arena, runs of 8 and 32 images took
 *   12-13 ms per image instead of 8.5-9 (fresh allocations for every run).
 */
export function sessionOptions(threads: SessionThreads = {}): InferenceSession.SessionOptions {
  return {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    intraOpNumThreads: threads.intraOpThreads ?? 0,
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

import sharp from 'sharp';

/*
 * The one configured sharp for the whole library; every module imports sharp from here.
 *
 * - Cache off: libvips' operation cache keys on input buffers, and we never see the same upload twice, so it
 *   would only pin up to 50 MB of memory per process.
 * - Concurrency left at sharp's default (`sharp.concurrency()`: libvips threads per image; 1 on glibc without
 *   jemalloc, the number of cores elsewhere). Throughput comes from several images in flight on the libuv
 *   threadpool (`UV_THREADPOOL_SIZE`, default 4), which suits many small images better than splitting one image.
 */
sharp.cache(false);

export { sharp };

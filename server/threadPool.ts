import { availableParallelism } from 'node:os';

/**
 * libuv's thread pool runs every argon2 hash and verify (19 MiB each). Its default of four threads on
 * a machine of two cores ran four side by side, each slower for it (`npm run bench`, NINO POSTs on 2
 * cores: 0.81–0.83 of argon2's own bound with four threads, 0.85–0.86 with two, and 2 ms less CPU a
 * POST). So the pool has no more threads than cores, and never more than libuv's four; an operator's
 * own UV_THREADPOOL_SIZE is kept. libuv reads it when the pool first starts, so the entry points
 * import this module before any other.
 */
process.env.UV_THREADPOOL_SIZE ??= String(Math.min(4, availableParallelism()));

export { MemoryWorkerPool } from './memory-worker-pool.js';

import { parentPort, workerData } from 'node:worker_threads';
import type { ScanUnit, WorkerInit } from './types.js';
import { UnitScanner } from './unit.js';

/** A scan worker: receives units, posts progress and results. */
const scanner = new UnitScanner(workerData as WorkerInit);
parentPort!.on('message', async (unit: ScanUnit) => {
  try {
    const res = await scanner.run(unit, (bytes) => parentPort!.postMessage({ type: 'progress', bytes }));
    parentPort!.postMessage({ type: 'result', res });
  } catch (err) {
    parentPort!.postMessage({ type: 'error', id: unit.id, message: (err as Error)?.message ?? String(err) });
  }
});

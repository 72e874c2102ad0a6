import { parentPort, workerData } from 'node:worker_threads';
import type { ScanUnit, WorkerInit } from './types.js';
import { UnitScanner } from './unit.js';
import { type WarmUpFile, warmUpScanner } from './warm-up.js';

/**
 * A scan worker. It starts while the coordinator is still building the n-gram table and warms up on a made-up
 * corpus meanwhile (warm-up.ts); then it receives that table (shared memory) in an `init` message, then units; it
 * posts progress and results.
 */
let scanner: UnitScanner | undefined;
const warming = warmUpScanner(() => scanner !== undefined, 24, (workerData as { warmUp?: WarmUpFile } | null)?.warmUp);
parentPort!.on('message', async (msg: { type: 'init'; init: WorkerInit } | { type: 'unit'; unit: ScanUnit }) => {
  if (msg.type === 'init') {
    scanner = new UnitScanner(msg.init);
    return;
  }
  const unit = msg.unit;
  try {
    const res = await scanner!.run(unit, (bytes) => parentPort!.postMessage({ type: 'progress', bytes }));
    parentPort!.postMessage({ type: 'result', res });
  } catch (err) {
    parentPort!.postMessage({ type: 'error', id: unit.id, message: (err as Error)?.message ?? String(err) });
  }
});
// A warm-up that fails costs speed, never results: the real scan does not depend on it.
warming.catch(() => {});

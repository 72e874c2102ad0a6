// Compiles the AssemblyScript sources of the corpus scanner's byte loop to WebAssembly (part of `npm run build`).
// Output: dist/contamination/scan/hot-loop.wasm, loaded by dist/ and by the tests alike.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = 'src/contamination/scan/wasm/hot-loop.ts';
const output = 'dist/contamination/scan/hot-loop.wasm';
mkdirSync(join(root, dirname(output)), { recursive: true });
const { error, stderr } = await asc.main(
  [source, '--outFile', output, '-O3', '--runtime', 'stub', '--noAssert', '--initialMemory', '1'],
  { stdout: process.stdout, stderr: process.stderr },
);
if (error) {
  console.error(stderr.toString());
  console.error(`build-wasm: ${error.message}`);
  process.exit(1);
}

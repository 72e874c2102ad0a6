import { HeldoutError } from '../../errors.js';
import { examHash, examUnits } from '../../exam/model.js';
import { loadBenchmarkSources } from '../bench/load.js';
import { defaultBenchmarkSpecs, howToGetBenchmarks } from '../bench/locate.js';
import type { ScanSource } from './scan.js';

export interface ScanSourceRequest {
  /** Benchmark specs (gsm8k, a path, label=path); none = every known benchmark, as `check` does. */
  bench: string[];
  /** Exam directories whose units to look for too. */
  exam: string[];
  benchField?: string;
  /** Where the default benchmarks come from (tests): the `bench pull` cache and the offline pack. */
  defaults?: Parameters<typeof defaultBenchmarkSpecs>[0];
}

/** The benchmark specs a scan uses: those named, else each known benchmark from the pull cache or the pack. */
export function scanBenchSpecs(req: Pick<ScanSourceRequest, 'bench' | 'defaults'>): string[] {
  if (req.bench.length > 0) return req.bench;
  const specs = defaultBenchmarkSpecs(req.defaults);
  if (specs.length === 0) {
    throw new HeldoutError('no benchmark given, and none is cached or packed', {
      hint: `pass --bench <name|dir|file>; ${howToGetBenchmarks()}`,
    });
  }
  return specs;
}

/** What a scan looks for: the benchmarks' items, then each exam's units labelled by exam id. */
export async function scanSources(req: ScanSourceRequest): Promise<ScanSource[]> {
  const sources: ScanSource[] = [];
  for (const s of await loadBenchmarkSources(scanBenchSpecs(req), { fieldName: req.benchField })) {
    sources.push({ label: s.label, hash: s.hash, items: s.items });
  }
  if (req.exam.length > 0) {
    const { loadExam } = await import('../../exam/load.js');
    for (const dir of req.exam) {
      const { exam } = loadExam(dir);
      if (sources.some((s) => s.label === exam.id)) {
        throw new HeldoutError(`two sources are labelled "${exam.id}"`, { where: dir });
      }
      sources.push({
        label: exam.id,
        hash: examHash(exam),
        items: examUnits(exam).map((u) => ({ id: u.id, text: u.text })),
      });
    }
  }
  return sources;
}

/** Whether a scan result counts as contaminated: some source has a contaminated item. */
export function scanContaminated(out: { benchmarks: Record<string, { contaminatedItems: number }> }): boolean {
  return Object.values(out.benchmarks).some((b) => b.contaminatedItems > 0);
}

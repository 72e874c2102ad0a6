import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { makeDocument, rng, vocabulary } from '../bench/gen-corpus.js';
import { k8sManifest } from '../src/contamination/scan/k8s.js';
import { loadExam } from '../src/exam/load.js';
import { examUnits } from '../src/exam/model.js';
import { BIN, ROOT, tempDir } from './helpers/cli.js';

const EXAM = join(ROOT, 'exams/heldout-finals-2026-11');

// Minimal shapes of what the manifest holds, for reading it back.
interface Container {
  name: string;
  command: string[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes: { name: string; hostPath?: { path: string } }[];
}
interface JobDoc {
  kind: string;
  metadata: { name: string };
  spec: { completions: number; completionMode?: string; template: { spec: PodSpec } };
}

const OPTS = {
  shards: 3,
  image: 'ghcr.io/example/heldout:1.0',
  corpusUri: 'pvc://pile/train/*.jsonl.zst',
  resultsUri: 'pvc://scan-results/run-1',
  bench: ['/b/gsm8k', '/b/mmlu'],
  exam: ['/exams/finals'],
  field: 'text',
  n: 13,
  name: 'heldout-scan',
  namespace: 'research',
  cpu: 4,
  memory: '4Gi',
  heldout: 'heldout',
};

function documents(yaml: string): JobDoc[] {
  return parseAllDocuments(yaml).map((d) => d.toJS() as JobDoc);
}

describe('heldout scan k8s: the manifest against the Kubernetes API schema', () => {
  it('every object is a valid batch/v1 Job (kubernetes-models validators), for pvc, nfs and hostPath volumes', () => {
    for (const [corpusUri, resultsUri] of [
      [OPTS.corpusUri, OPTS.resultsUri],
      ['nfs://10.0.0.5/export/pile/*.jsonl', 'pvc://scan-results/run-2'],
      ['host:///data/pile/shard-0001.jsonl', 'host:///data/results'],
    ]) {
      const docs = documents(k8sManifest({ ...OPTS, corpusUri, resultsUri }));
      expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(['Job/heldout-scan', 'Job/heldout-scan-merge']);
      for (const d of docs) expect(() => new Job(d as never).validate()).not.toThrow();
    }
  });

  it('without --bench the pods name no benchmark, so each scans the four of the offline pack in the image', () => {
    const [scan] = documents(k8sManifest({ ...OPTS, bench: [], exam: [] }));
    expect(() => new Job(scan as never).validate()).not.toThrow();
    const cmd = scan.spec.template.spec.containers[0].command;
    expect(cmd).not.toContain('--bench');
    expect(cmd.slice(0, 2)).toEqual(['heldout', 'scan']);
  });

  it('the validators do reject a broken Job (so the check above can fail)', () => {
    const [scan] = documents(k8sManifest(OPTS));
    const broken = { ...scan, spec: { ...scan.spec, completions: '3' } };
    expect(() => new Job(broken as never).validate()).toThrow(/completions/);
    const nameless = structuredClone(scan) as unknown as { spec: { template: { spec: { containers: object[] } } } };
    nameless.spec.template.spec.containers = [{ image: OPTS.image }];
    expect(() => new Job(nameless as never).validate()).toThrow(/name/);
  });
});

/** Runs a container's command as Kubernetes would: $(VAR) from env, each volume mount mapped to its hostPath. */
function localCommand(spec: PodSpec, c: Container, env: Record<string, string>): string[] {
  const mounts = (c.volumeMounts ?? []).map((m) => {
    const v = spec.volumes.find((x) => x.name === m.name);
    if (!v?.hostPath) throw new Error(`volume ${m.name} is not a hostPath`);
    return { from: m.mountPath, to: v.hostPath.path };
  });
  return c.command.map((arg) => {
    let a = arg.replace(/\$\((\w+)\)/g, (_, k: string) => env[k] ?? `$(${k})`);
    for (const m of mounts) a = a.split(m.from).join(m.to);
    return a;
  });
}

function run(cmd: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd[0], cmd.slice(1), { env: { ...process.env, NO_COLOR: '1', ...env }, cwd: ROOT });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    child.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
}

/** The result JSON without what differs between runs of the same scan (none is a timing today; shard is). */
function comparable(file: string): unknown {
  const out = JSON.parse(readFileSync(file, 'utf8'));
  delete out.shard;
  for (const k of Object.keys(out)) if (/seconds|elapsed|started|finished/i.test(k)) delete out[k];
  return out;
}

describe('heldout scan k8s: the Indexed Job run locally', () => {
  it('N processes with JOB_COMPLETION_INDEX 0..N-1, then the merge Job, equal one single-process scan', async () => {
    const dir = tempDir();
    const corpus = join(dir, 'corpus');
    const results = join(dir, 'results');
    mkdirSync(corpus);
    mkdirSync(results);
    // Our own exam's questions planted in a synthetic corpus (no benchmark text needed).
    const units = examUnits(loadExam(EXAM).exam).filter((u) => u.text.split(/\s+/).length >= 20);
    expect(units.length).toBeGreaterThan(2);
    const r = rng(5);
    const vocab = vocabulary(5, 3000);
    for (let f = 0; f < 2; f++) {
      const lines: string[] = [];
      for (let i = 0; i < 400; i++) {
        let text = makeDocument(r, vocab, 200 + Math.floor(r() * 1500));
        if (i % 37 === 5) text += ` ${units[(i + f) % units.length].text}`;
        lines.push(JSON.stringify({ text, id: `${f}-${i}` }));
      }
      writeFileSync(join(corpus, `part-${f}.jsonl`), `${lines.join('\n')}\n`);
    }
    const shards = 3;
    const docs = documents(
      k8sManifest({
        ...OPTS,
        shards,
        cpu: 1,
        bench: [],
        exam: [EXAM],
        corpusUri: `host://${corpus}/*.jsonl`,
        resultsUri: `host://${results}`,
        heldout: `${process.execPath} ${BIN}`,
      }),
    );
    const [scanJob, mergeJob] = docs;
    expect(scanJob.spec.completionMode).toBe('Indexed');
    expect(scanJob.spec.completions).toBe(shards);
    const scanPod = scanJob.spec.template.spec;
    const runs = Array.from({ length: shards }, (_, i) => {
      const env = { JOB_COMPLETION_INDEX: String(i) };
      return run(localCommand(scanPod, scanPod.containers[0], env), env);
    });
    for (const res of await Promise.all(runs)) expect(res.code, res.stderr).toBe(0);
    expect(readdirSync(results).sort()).toEqual(['part-0.json', 'part-1.json', 'part-2.json']);

    // The merge Job: its init container (which waits for all parts) must return at once, then the merge.
    const mergePod = mergeJob.spec.template.spec;
    const wait = localCommand(mergePod, mergePod.initContainers![0], {});
    const waited = spawnSync(wait[0], wait.slice(1), { encoding: 'utf8', timeout: 10_000 });
    expect(waited.status).toBe(0);
    const merged = await run(localCommand(mergePod, mergePod.containers[0], {}));
    expect(merged.code).toBe(0);

    const single = join(dir, 'single.json');
    const one = spawnSync(
      process.execPath,
      [BIN, 'scan', '--exam', EXAM, '--corpus', `${corpus}/*.jsonl`, '--out', single, '--exit-zero', '--no-progress'],
      { encoding: 'utf8', cwd: ROOT },
    );
    expect(one.status).toBe(0);
    const whole = comparable(single) as { documents: string[] };
    expect(whole.documents.length).toBeGreaterThan(10);
    expect(comparable(join(results, 'result.json'))).toEqual(whole);
  }, 120_000);
});

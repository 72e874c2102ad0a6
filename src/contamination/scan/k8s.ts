import { stringify } from 'yaml';
import { HeldoutError } from '../../errors.js';

/**
 * A Kubernetes manifest for a sharded scan: an Indexed Job whose pod i runs `heldout scan --shard i/N`
 * (i = JOB_COMPLETION_INDEX) and writes part-i.json to a shared volume, and a merge Job that waits for all N
 * parts and runs `heldout scan merge`. We emit YAML for an engine people already run; we do not run a cluster.
 */
export interface K8sOptions {
  shards: number;
  image: string;
  corpusUri: string;
  resultsUri?: string;
  bench: string[];
  exam: string[];
  field: string;
  n: number;
  name: string;
  namespace?: string;
  cpu: number;
  memory: string;
  heldout: string;
}

interface Mount {
  volume: Record<string, unknown>;
  /** Path inside the mount (the glob for the corpus, the directory for results). */
  rest: string;
}

const hasMagic = (s: string) => /[*?[{]/.test(s);

/** Splits a URI into a volume for its static directory and the remainder (a glob or sub-directory). */
function parseUri(uri: string, what: string, readOnly: boolean): Mount {
  const m = /^(pvc|nfs|host):\/\/([^/]*)(\/.*)?$/.exec(uri);
  if (!m) {
    throw new HeldoutError(`${what} "${uri}" is not a supported URI`, {
      hint: 'use pvc://<claim>/<path>, nfs://<server>/<path> or host:///<path>; for S3/GCS mount the bucket with its CSI driver (mountpoint-s3, gcsfuse) as a PVC',
    });
  }
  const [, scheme, authority, pathPart = '/'] = m;
  const segs = pathPart.split('/').filter(Boolean);
  if (scheme === 'pvc') {
    if (!authority) throw new HeldoutError(`${what} "${uri}" names no claim`, { hint: 'pvc://<claim>/<path>' });
    return { volume: { persistentVolumeClaim: { claimName: authority, readOnly } }, rest: segs.join('/') };
  }
  // nfs and hostPath mount a directory: the part of the path before the first glob segment.
  let k = 0;
  while (k < segs.length && !hasMagic(segs[k])) k++;
  if (k === segs.length && readOnly && segs.length > 0) k = segs.length - 1; // a single file: mount its directory
  const dir = `/${segs.slice(0, k).join('/')}`;
  const rest = segs.slice(k).join('/');
  if (scheme === 'nfs') {
    if (!authority) throw new HeldoutError(`${what} "${uri}" names no server`, { hint: 'nfs://<server>/<path>' });
    return { volume: { nfs: { server: authority, path: dir, readOnly } }, rest };
  }
  return { volume: { hostPath: { path: dir, type: 'Directory' } }, rest };
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function k8sManifest(o: K8sOptions): string {
  if (!Number.isInteger(o.shards) || o.shards < 1 || o.shards > 100000) {
    throw new HeldoutError(`--shards ${o.shards}: use a whole number ≥ 1`);
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(o.name) || o.name.length > 50) {
    throw new HeldoutError(`--name "${o.name}" is not a valid Kubernetes name`, {
      hint: 'lower-case letters, digits and "-", at most 50 characters',
    });
  }
  const corpus = parseUri(o.corpusUri, '--corpus-uri', true);
  const resultsUri = o.resultsUri;
  if (!resultsUri) {
    throw new HeldoutError('--results-uri is required', {
      hint: 'a ReadWriteMany volume all pods share, e.g. --results-uri pvc://scan-results/run-1',
    });
  }
  const results = parseUri(resultsUri, '--results-uri', false);
  const resultsDir = `/results${results.rest ? `/${results.rest}` : ''}`;
  const corpusGlob = `/corpus${corpus.rest ? `/${corpus.rest}` : ''}`;
  const heldout = o.heldout.split(/\s+/).filter(Boolean);
  // No --bench: each pod looks for the four benchmarks of the image's offline pack, as `heldout scan` does.
  const common = [
    ...o.bench.flatMap((b) => ['--bench', b]),
    ...o.exam.flatMap((e) => ['--exam', e]),
    '--field',
    o.field,
    '--n',
    String(o.n),
  ];
  const labels = { 'app.kubernetes.io/name': 'heldout-scan', 'app.kubernetes.io/instance': o.name };
  const meta = (name: string, step: string) => ({
    name,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    labels: { ...labels, 'heldout.dev/step': step },
  });
  const volumes = [
    { name: 'corpus', ...corpus.volume },
    { name: 'results', ...results.volume },
  ];
  const volumeMounts = [
    { name: 'corpus', mountPath: '/corpus', readOnly: true },
    { name: 'results', mountPath: '/results' },
  ];
  const resources = {
    requests: { cpu: String(o.cpu), memory: o.memory },
    limits: { cpu: String(o.cpu), memory: o.memory },
  };

  const scanJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(`${o.name}`, 'scan'),
    spec: {
      completionMode: 'Indexed',
      completions: o.shards,
      parallelism: o.shards,
      // Retry a failed shard on its own (Kubernetes ≥ 1.29) rather than failing the whole scan.
      backoffLimitPerIndex: 3,
      template: {
        metadata: { labels: { ...labels, 'heldout.dev/step': 'scan' } },
        spec: {
          restartPolicy: 'Never',
          containers: [
            {
              name: 'scan',
              image: o.image,
              command: [
                ...heldout,
                'scan',
                ...common,
                '--corpus',
                corpusGlob,
                '--shard',
                `$(JOB_COMPLETION_INDEX)/${o.shards}`,
                '--workers',
                String(o.cpu),
                '--out',
                `${resultsDir}/part-$(JOB_COMPLETION_INDEX).json`,
                '--exit-zero',
                '--no-progress',
              ],
              env: [
                {
                  // Also set by the Job controller; declared so that $(JOB_COMPLETION_INDEX) always expands.
                  name: 'JOB_COMPLETION_INDEX',
                  valueFrom: {
                    fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" },
                  },
                },
              ],
              resources,
              volumeMounts,
            },
          ],
          volumes,
        },
      },
    },
  };

  const parts = `${resultsDir}/part-*.json`;
  const wait = `until [ "$(ls ${resultsDir}/part-*.json 2>/dev/null | wc -l)" -ge ${o.shards} ]; do echo "waiting for parts: $(ls ${resultsDir}/part-*.json 2>/dev/null | wc -l)/${o.shards}"; sleep 15; done`;
  const merge = [...heldout, 'scan', 'merge', parts, '--out', `${resultsDir}/result.json`, '--exit-zero']
    .map((a) => (a === parts ? a : shellQuote(a)))
    .join(' ');
  const mergeJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(`${o.name}-merge`, 'merge'),
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 2,
      template: {
        metadata: { labels: { ...labels, 'heldout.dev/step': 'merge' } },
        spec: {
          restartPolicy: 'Never',
          initContainers: [
            {
              name: 'wait-for-parts',
              image: o.image,
              command: ['sh', '-c', wait],
              volumeMounts: [{ name: 'results', mountPath: '/results' }],
            },
          ],
          containers: [
            {
              name: 'merge',
              image: o.image,
              command: ['sh', '-c', merge],
              resources: { requests: { cpu: '1', memory: '1Gi' } },
              volumeMounts: [{ name: 'results', mountPath: '/results' }],
            },
          ],
          volumes: [{ name: 'results', ...results.volume }],
        },
      },
    },
  };
  const head = [
    `# heldout scan on Kubernetes: ${o.shards} shard(s) of ${o.corpusUri}`,
    '# kubectl apply -f this.yaml',
    `# kubectl wait --for=condition=complete job/${o.name}-merge --timeout=24h`,
    `# kubectl logs job/${o.name}-merge    # summary; the full result is ${resultsDir}/result.json on the results volume`,
    '',
  ].join('\n');
  return `${head}${stringify(scanJob)}---\n${stringify(mergeJob)}`;
}

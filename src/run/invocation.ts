import { HeldoutError } from '../errors.js';

/** The parameters a resumed run keeps from its manifest: given again on the command line, they are ignored. */
export const RUN_PARAMS_FIXED_ON_RESUME = [
  'samples',
  'temperature',
  'maxTokens',
  'seed',
  'splitSubparts',
  'systemTemplate',
  'userTemplate',
  'mode',
  'shots',
  'pointsColumn',
  'grader',
  'unitColumn',
] as const;

export interface RunRequest {
  /** The positional argument: an exam directory, or (with --resume) a run directory. */
  target?: string;
  out?: string;
  /** `--resume` alone (true) or `--resume <run-dir>`. */
  resume?: boolean | string;
  retryFailed?: boolean;
  models: string[];
  pointsColumn?: string;
  grader?: string;
  /** The run parameters the user gave explicitly (option names), to warn about those a resume ignores. */
  givenParams: string[];
  isRunDir: (dir: string) => boolean;
}

export interface RunPlan {
  examDir?: string;
  out?: string;
  resume: boolean;
  /** Parameters given but ignored because a resumed run keeps its own. */
  ignoredParams: string[];
}

/**
 * What `heldout run …` means: a new run, a resume, or "--resume --out" of a run not started yet (which starts it).
 * Refuses the combinations that would silently do something else than asked.
 */
export function planRun(r: RunRequest): RunPlan {
  let examDir = r.target;
  let out = r.out;
  let resume = Boolean(r.resume) || Boolean(r.retryFailed);
  if (typeof r.resume === 'string') {
    if (out && out !== r.resume) throw new HeldoutError('--resume <run-dir> and --out name different runs');
    out = r.resume;
  }
  if (examDir && r.isRunDir(examDir)) {
    if (!resume) {
      throw new HeldoutError(`${examDir} is a run, not an exam`, {
        hint: `finish it with \`heldout run --resume ${examDir}\``,
      });
    }
    out ??= examDir;
    examDir = undefined;
  }
  if (resume && !out)
    throw new HeldoutError('--resume needs the run directory', { hint: 'heldout run --resume runs/<id>' });
  if (resume && out && !r.isRunDir(out)) {
    if (r.resume === true && !r.retryFailed && examDir)
      resume = false; // --out of a run not started yet: start it
    else
      throw new HeldoutError('not a run directory (no manifest.json)', { where: out, hint: 'see `heldout runs list`' });
  }
  if (!resume && r.models.length === 0) {
    throw new HeldoutError('no model given', {
      hint: 'add --model <spec>, e.g. --model openai:gpt-4o or --model replay:answers.jsonl',
    });
  }
  if ((r.pointsColumn === undefined) !== (r.grader === undefined)) {
    throw new HeldoutError('--points-column and --grader go together', {
      hint: '--points-column Points --grader "Jane Doe"',
    });
  }
  const fixed: readonly string[] = RUN_PARAMS_FIXED_ON_RESUME;
  const ignoredParams = resume ? r.givenParams.filter((k) => fixed.includes(k)) : [];
  return { examDir, out, resume, ignoredParams };
}

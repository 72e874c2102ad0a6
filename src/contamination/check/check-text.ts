import { charGramHash, fieldText, type IndexSpec, specId } from '../bench/ngram-index.js';
import type { NgramHasher } from '../hash.js';
import { ngramHash } from '../hash.js';
import { textLanguage } from '../text/language.js';
import { gpt4Chars, NUM_TOKEN } from '../text/normalize.js';
import { wordTokens } from '../text/tokens.js';
import { findSample, gpt4Samples } from './char-match.js';
import { benchTokens, type PreparedSource } from './prepare.js';
import { type CheckText, type Match, round3, type Span, type TextResult } from './result.js';
import {
  type CharHasher,
  type CheckOptions,
  GPT4_MIN_CHARS,
  GPT4_SAMPLE_CHARS,
  gpt3Spec,
  gpt4Spec,
  type MatchRule,
  type Norms,
  norms,
  PALM_N,
  PALM_THRESHOLD,
  palmSpec,
  type RuleName,
  TEMPLATE_N,
  TEMPLATE_THRESHOLD,
  templateSpec,
  tooFewWords,
  type Verdict,
} from './rules.js';
import { longestSharedRun, similarity } from './similarity.js';
import { runWords, type WordRun, wordSpans } from './word-match.js';

/**
 * One text against every prepared source: each rule's verdict per source, then one verdict per rule, the overlap
 * figures, and the closest benchmark items with their similarity.
 */
export function checkText(
  t: CheckText,
  prepared: PreparedSource[],
  field: IndexSpec['field'],
  n: number,
  rules: RuleName[],
  opts: CheckOptions = {},
): TextResult {
  const x = prepareText(t, field, n, rules, opts);
  const tally = new Tally(x);
  for (const p of prepared) checkSource(x, tally, p);
  aggregateVerdicts(x, tally);
  summariseOverlap(x, tally);
  scoreCandidates(x, tally);
  return tally.res;
}

/** The text as every source sees it: language, tokens under both normalisations, gpt4 samples, settings. */
interface TextUnderCheck {
  text: CheckText;
  field: IndexSpec['field'];
  n: number;
  rules: RuleName[];
  norms: Norms;
  hasher: NgramHasher;
  charHasher: CharHasher;
  topK: number;
  language?: string;
  languageFrom: TextResult['languageFrom'];
  tokens: string[];
  /** Template-match tokens: LaTeX-aware, numbers masked. */
  masked: string[];
  /** gpt4-50char's letters and digits. */
  processed: string;
  samples: { start: number; text: string }[];
}

function prepareText(
  t: CheckText,
  field: IndexSpec['field'],
  n: number,
  rules: RuleName[],
  opts: CheckOptions,
): TextUnderCheck {
  const nm = norms(opts);
  const { language, from } = textLanguage(t);
  const processed = gpt4Chars(t.text);
  return {
    text: t,
    field,
    n,
    rules,
    norms: nm,
    hasher: opts.hasher ?? ngramHash,
    charHasher: opts.charHasher ?? charGramHash,
    topK: opts.topK ?? 5,
    language,
    languageFrom: from,
    tokens: wordTokens(t.text, nm.rule, language),
    masked: wordTokens(t.text, nm.template, language),
    processed,
    samples: gpt4Samples(processed, opts.seed),
  };
}

/** What the sources have found so far, and the benchmark items worth scoring at the end. */
class Tally {
  readonly res: TextResult;
  /** gpt3-13gram windows verified in any source. */
  readonly gpt3Union: Uint8Array;
  gpt3Windows = 0;
  /** gpt4-50char samples found in any source. */
  readonly gpt4Found = new Set<number>();
  readonly notComparable = new Set<string>();
  readonly candidates = new Map<string, { p: PreparedSource; it: number }>();
  readonly matchKeys = new Map<Match, string>();

  constructor(x: TextUnderCheck) {
    this.res = {
      id: x.text.id,
      language: x.language,
      languageFrom: x.languageFrom,
      words: x.tokens.length,
      verdicts: {},
      reasons: {},
      templateMatch: false,
      overlap: { longestRun: 0 },
      matches: [],
      bySource: {},
    };
    this.gpt3Union = new Uint8Array(Math.max(0, x.tokens.length - x.n + 1));
  }

  addMatch(m: Match, p: PreparedSource, it: number): void {
    const key = `${p.source.label}\0${it}`;
    this.res.matches.push(m);
    this.matchKeys.set(m, key);
    this.candidates.set(key, { p, it });
  }

  /** The top items of one rule in one source, most shared first. */
  addTopMatches(
    x: TextUnderCheck,
    p: PreparedSource,
    rule: MatchRule,
    byItem: [number, { length: number }][],
    match: (it: number) => Omit<Match, 'bench' | 'itemId' | 'rule'>,
  ): void {
    const ranked = [...byItem].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
    for (const [it] of ranked.slice(0, x.topK)) {
      this.addMatch({ bench: p.source.label, itemId: p.source.items[it].id, rule, ...match(it) }, p, it);
    }
  }
}

/** Every rule against one source: per-source verdicts, matches and the per-source overlap figures. */
function checkSource(x: TextUnderCheck, tally: Tally, p: PreparedSource): void {
  const label = p.source.label;
  const per: TextResult['bySource'][string] = { template: false };
  tally.res.bySource[label] = per;
  const langMismatch =
    x.language && p.language && x.language !== p.language ? `${x.language} vs ${p.language}` : undefined;
  if (langMismatch) tally.notComparable.add(`${label}: ${langMismatch}`);
  const verdictFor = (hit: boolean, empty: string | undefined): Verdict =>
    hit ? 'contaminated' : empty || langMismatch ? 'not-comparable' : 'clean';

  if (x.rules.includes('gpt3-13gram')) {
    const { hit, empty } = gpt3Rule(x, tally, p);
    per['gpt3-13gram'] = verdictFor(hit, empty);
  }
  if (x.rules.includes('palm-8gram-70')) {
    const { hit, empty } = palmRule(x, tally, p);
    per['palm-8gram-70'] = verdictFor(hit, empty);
  }
  if (p.indexes.has(specId(templateSpec(x.field, x.norms.template))) && templateRule(x, tally, p)) {
    per.template = true;
    tally.res.templateMatch = true;
  }
  if (x.rules.includes('gpt4-50char')) {
    const hit = gpt4Rule(x, tally, p);
    per['gpt4-50char'] = verdictFor(hit, x.samples.length === 0 ? 'too short' : undefined);
  }
}

function wordMatches(x: TextUnderCheck, tally: Tally, p: PreparedSource, rule: MatchRule, run: WordRun, n: number) {
  tally.addTopMatches(x, p, rule, [...run.perItem.entries()], (it) => {
    const hits = run.perItem.get(it)!;
    return {
      spans: wordSpans(x.tokens, hits, n),
      shared: hits.length,
      fraction: round3(run.windows ? hits.length / run.windows : 0),
    };
  });
}

/** gpt3-13gram: any verified n-gram contaminates. Windows are pooled over sources for the overlap figure. */
function gpt3Rule(x: TextUnderCheck, tally: Tally, p: PreparedSource): { hit: boolean; empty?: string } {
  const idx = p.indexes.get(specId(gpt3Spec(x.field, x.n, x.norms.rule)))!;
  const run = runWords(x.tokens, p, idx, x.n, x.norms.rule, x.hasher, x.topK);
  tally.gpt3Windows = run.windows;
  for (let i = 0; i < run.verified.length; i++) if (run.verified[i]) tally.gpt3Union[i] = 1;
  const hit = run.verified.some((v) => v === 1);
  const empty = tooFewWords(x.tokens.length, x.n);
  if (empty && !hit) tally.notComparable.add(`gpt3-13gram: ${empty}`);
  wordMatches(x, tally, p, 'gpt3-13gram', run, x.n);
  return { hit, empty };
}

/** palm-8gram-70: contaminated when at least 70% of the text's 8-grams are in the source. */
function palmRule(x: TextUnderCheck, tally: Tally, p: PreparedSource): { hit: boolean; empty?: string } {
  const idx = p.indexes.get(specId(palmSpec(x.field, x.norms.rule)))!;
  const run = runWords(x.tokens, p, idx, PALM_N, x.norms.rule, x.hasher, x.topK);
  const shared = run.verified.reduce((s, v) => s + v, 0);
  const fraction = run.windows ? shared / run.windows : 0;
  const prev = tally.res.overlap['palm-8gram-70'];
  if (!prev || fraction > prev.fraction) {
    tally.res.overlap['palm-8gram-70'] = {
      n: PALM_N,
      total: run.windows,
      shared,
      fraction: round3(fraction),
      bench: p.source.label,
    };
  }
  wordMatches(x, tally, p, 'palm-8gram-70', run, PALM_N);
  return { hit: run.windows > 0 && fraction >= PALM_THRESHOLD, empty: tooFewWords(x.tokens.length, PALM_N) };
}

/** The template match: half of the number-masked 8-grams in one benchmark item. Returns whether it matched. */
function templateRule(x: TextUnderCheck, tally: Tally, p: PreparedSource): boolean {
  const idx = p.indexes.get(specId(templateSpec(x.field, x.norms.template)))!;
  // Windows that are mostly numbers would match any list of numbers.
  const numCount = (i: number) => {
    let c = 0;
    for (let j = i; j < i + TEMPLATE_N; j++) if (x.masked[j] === NUM_TOKEN) c++;
    return c;
  };
  const run = runWords(x.masked, p, idx, TEMPLATE_N, x.norms.template, x.hasher, x.topK, (i) => {
    return numCount(i) * 2 > TEMPLATE_N;
  });
  let best = { it: -1, shared: 0 };
  for (const [it, hits] of run.perItem) if (hits.length > best.shared) best = { it, shared: hits.length };
  const fraction = run.windows ? best.shared / run.windows : 0;
  const prev = tally.res.overlap.template;
  if (!prev || fraction > prev.fraction) {
    tally.res.overlap.template = {
      n: TEMPLATE_N,
      total: run.windows,
      shared: best.shared,
      fraction: round3(fraction),
      bench: p.source.label,
    };
  }
  if (!(run.windows > 0 && fraction >= TEMPLATE_THRESHOLD)) return false;
  const matched = [...run.perItem.entries()].filter(([, h]) => h.length / run.windows >= TEMPLATE_THRESHOLD);
  tally.addTopMatches(x, p, 'template', matched, (it) => {
    const hits = run.perItem.get(it)!;
    return {
      spans: wordSpans(x.masked, hits, TEMPLATE_N),
      shared: hits.length,
      fraction: round3(hits.length / run.windows),
    };
  });
  return true;
}

/** gpt4-50char: any of the text's samples found in an item contaminates. Returns whether one was found. */
function gpt4Rule(x: TextUnderCheck, tally: Tally, p: PreparedSource): boolean {
  const idx = p.indexes.get(specId(gpt4Spec(x.field)))!;
  const byItem = new Map<number, Span[]>();
  x.samples.forEach((s, k) => {
    for (const { it, pos } of findSample(p, idx, s.text, x.charHasher)) {
      tally.gpt4Found.add(k);
      const spans = byItem.get(it) ?? [];
      spans.push({ start: s.start, end: s.start + s.text.length, benchStart: pos, text: s.text });
      byItem.set(it, spans);
    }
  });
  tally.addTopMatches(x, p, 'gpt4-50char', [...byItem.entries()], (it) => {
    const spans = byItem.get(it)!;
    return { spans, shared: spans.length, fraction: round3(spans.length / x.samples.length) };
  });
  return byItem.size > 0;
}

/** One verdict per rule: contaminated against any source wins; otherwise any not-comparable source makes it so. */
function aggregateVerdicts(x: TextUnderCheck, tally: Tally): void {
  const res = tally.res;
  for (const rule of x.rules) {
    const vs = Object.values(res.bySource).map((s) => s[rule]);
    res.verdicts[rule] = vs.includes('contaminated')
      ? 'contaminated'
      : vs.includes('not-comparable') || vs.length === 0
        ? 'not-comparable'
        : 'clean';
    if (res.verdicts[rule] === 'not-comparable') res.reasons[rule] = notComparableReason(x, tally, rule, vs.length);
  }
}

function notComparableReason(x: TextUnderCheck, tally: Tally, rule: RuleName, sources: number): string {
  const why: string[] = [];
  const words = x.tokens.length;
  if (rule === 'gpt4-50char' && x.samples.length === 0) {
    const chars = x.processed.length;
    why.push(chars === 0 ? 'empty' : `shorter than ${GPT4_MIN_CHARS} characters (${chars})`);
  } else if (words === 0) why.push('empty');
  else if (rule === 'gpt3-13gram' && words < x.n) why.push(tooFewWords(words, x.n)!);
  else if (rule === 'palm-8gram-70' && words < PALM_N) why.push(tooFewWords(words, PALM_N)!);
  for (const r of tally.notComparable) if (!r.startsWith('gpt3')) why.push(`language ${r}`);
  if (sources === 0) why.push('no benchmark');
  return [...new Set(why)].join('; ') || 'not comparable';
}

/** The rules whose figures pool all sources: gpt3-13gram's verified windows, gpt4-50char's found samples. */
function summariseOverlap(x: TextUnderCheck, tally: Tally): void {
  const overlap = tally.res.overlap;
  if (x.rules.includes('gpt3-13gram')) {
    const shared = tally.gpt3Union.reduce((s, v) => s + v, 0);
    const total = tally.gpt3Windows;
    overlap['gpt3-13gram'] = { n: x.n, total, shared, fraction: round3(total ? shared / total : 0) };
  }
  if (x.rules.includes('gpt4-50char')) {
    const total = x.samples.length;
    const shared = tally.gpt4Found.size;
    overlap['gpt4-50char'] = { n: GPT4_SAMPLE_CHARS, total, shared, fraction: round3(total ? shared / total : 0) };
  }
}

/** Longest shared run and near-duplicate scores for every matched benchmark item; the nearest by Dice. */
function scoreCandidates(x: TextUnderCheck, tally: Tally): void {
  const res = tally.res;
  const runs = new Map<string, number>();
  const sims = new Map<string, { jaroWinkler: number; dice: number }>();
  for (const [key, { p, it }] of tally.candidates) {
    const run = longestSharedRun(x.tokens, benchTokens(p, x.norms.rule, x.field, it));
    runs.set(key, run);
    if (run > res.overlap.longestRun) res.overlap.longestRun = run;
    const sim = similarity(x.text.text, fieldText(p.source.items[it], x.field));
    sims.set(key, sim);
    const near = res.overlap.nearest;
    if (!near || sim.dice > near.dice) {
      res.overlap.nearest = { bench: p.source.label, itemId: p.source.items[it].id, ...sim };
    }
  }
  for (const m of res.matches) {
    const key = tally.matchKeys.get(m);
    if (key === undefined) continue;
    m.longestRun = runs.get(key);
    m.similarity = sims.get(key);
  }
}

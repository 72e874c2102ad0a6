import { partMaxPoints } from './model.js';
import type { Exam, SubPart } from './schema.js';

const oneLine = (text: string, width: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > width ? `${flat.slice(0, Math.max(10, width - 1))}…` : flat;
};

/** A terminal outline: parts, questions and sub-parts with points. */
export function examOutline(exam: Exam, columns = 100): string {
  const lines: string[] = [];
  const total = exam.parts.reduce((s, p) => s + partMaxPoints(p), 0);
  lines.push(`${exam.title}  [${exam.id}]`);
  lines.push(`language ${exam.language} · released ${exam.released} · ${total} points`);
  for (const part of exam.parts) {
    const choose = part.choose
      ? ` · choose ${part.choose.count} of ${part.questions.length} (${part.choose.policy})`
      : '';
    lines.push('');
    lines.push(`${part.title} (${part.id}) — ${part.points} points${choose}`);
    for (const q of part.questions) {
      const head = `  ${q.number}.`.padEnd(7) + `${String(q.points).padStart(3)} pt  `;
      lines.push(head + oneLine(q.text, columns - head.length));
      const walk = (subs: SubPart[] | undefined, depth: number) => {
        for (const s of subs ?? []) {
          const h =
            `${' '.repeat(7 + depth * 2)}${s.label ?? s.id})`.padEnd(10 + depth * 2) +
            `${String(s.points).padStart(3)} pt  `;
          const ans = s.answer ? `  [${s.answer.kind}]` : '';
          lines.push(h + oneLine(s.text, columns - h.length - ans.length) + ans);
          walk(s.subparts, depth + 1);
        }
      };
      walk(q.subparts, 0);
    }
  }
  return lines.join('\n');
}

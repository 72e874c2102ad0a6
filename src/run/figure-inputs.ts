import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import { FIGURE_TYPES, figureProblem } from '../exam/figures.js';
import type { ChatMessage, ImageInput } from '../models/index.js';
import type { PromptItem } from './prompt.js';

/** How each figure of a prompt reached the model: as an image input, or as its alt text (and why). */
export interface FigureSent {
  file: string;
  sent: 'image' | 'alt-text';
  reason?: string;
}

/**
 * The prompt's messages for one model. A model that takes images gets each PNG or JPEG figure as an image input on
 * the last user message, and the text says "[Figure n: see image k]" in place of the alt text; SVG (which the
 * image APIs do not take) and every figure for other models stay as `[Figure n: alt text]`.
 */
export function messagesWithFigures(
  item: Pick<PromptItem, 'messages' | 'figures'>,
  examDir: string,
  takesImages: boolean,
): { messages: ChatMessage[]; figures?: FigureSent[] } {
  const figures = item.figures ?? [];
  if (!figures.length) return { messages: item.messages };
  const images: ImageInput[] = [];
  const record: FigureSent[] = [];
  let text = item.messages.at(-1)?.content ?? '';
  for (const f of figures) {
    const type = FIGURE_TYPES[extname(f.file).toLowerCase()];
    const problem = figureProblem(examDir, { file: f.file, alt: f.alt });
    let reason: string | undefined;
    if (!takesImages) reason = 'the model does not take image inputs';
    else if (problem) reason = problem;
    else if (type !== 'image/png' && type !== 'image/jpeg') reason = 'SVG is not an image input type';
    if (reason) {
      record.push({ file: f.file, sent: 'alt-text', reason });
      continue;
    }
    images.push({
      mediaType: type as ImageInput['mediaType'],
      data: readFileSync(resolve(examDir, f.file)).toString('base64'),
      name: f.file,
    });
    text = text.replace(`[Figure ${f.n}: ${f.alt}]`, `[Figure ${f.n}: see image ${images.length}]`);
    record.push({ file: f.file, sent: 'image' });
  }
  if (!images.length) return { messages: item.messages, figures: record };
  const last = item.messages.length - 1;
  const messages = item.messages.map((m, i) => (i === last ? { ...m, content: text, images } : m));
  return { messages, figures: record };
}

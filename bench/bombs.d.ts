import type { Answer } from '../src/exam/schema.js';

export interface Bomb {
  name: string;
  /** The final answer as a model states it. */
  answer: string;
  key: Answer;
  /** Over the answer budget: compared as `undetermined`; otherwise decided (and never equal to the key). */
  undetermined: boolean;
  /** What the reason must say. */
  reason?: RegExp;
}
export const BOMBS: Bomb[];

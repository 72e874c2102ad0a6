export function rng(seed: number): () => number;
export function vocabulary(seed?: number, size?: number): string[];
export function makeDocument(r: () => number, vocab: string[], chars: number): string;
export function asciiJson(value: unknown): string;
export function writeCorpus(
  dir: string,
  opts?: {
    megabytes?: number;
    seed?: number;
    shards?: number;
    plant?: (r: () => number, doc: number) => string | undefined;
    onPlant?: (plant: { file: string; line: number; text: string }) => void;
    vocab?: string[];
  },
): string[];

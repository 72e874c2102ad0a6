/**
 * Keeps an API key out of error messages (a server may echo it, whole or masked). Besides the exact key, any echo of
 * its prefix or suffix is masked: `sk-…4242`, `sk-abc***********xyz1`, `sk-proj-AbCd…`, "a key ending in 4242". The
 * rules err on the side of masking: a false positive costs a word of an error message, a miss leaks part of a key.
 */
const MASK = /\*+|…+|•+|\.{3,}|x{4,}|X{4,}/;
const TOKEN = /[^\s"'`,;:=()[\]{}<>]+/g;

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

function commonSuffix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[a.length - 1 - i] === b[b.length - 1 - i]) i++;
  return i;
}

function echoesKey(token: string, key: string): boolean {
  const masks = [...token.matchAll(new RegExp(MASK.source, 'g'))];
  if (masks.length) {
    // A masked echo: what is shown before the mask is the key's start, or what follows it is the key's end.
    const before = token.slice(0, masks[0].index);
    const last = masks[masks.length - 1];
    const after = token.slice(last.index + last[0].length);
    return (before.length >= 2 && key.startsWith(before)) || (after.length >= 2 && key.endsWith(after));
  }
  if (token.length >= 4 && token.length < key.length && key.endsWith(token)) return true;
  if (token.length >= 6 && key.startsWith(token)) return true;
  return commonPrefix(token, key) >= 8 || commonSuffix(token, key) >= 6;
}

export function redactKey(text: string, key: string | undefined): string {
  if (!key || key.length < 4) return text;
  let out = text.split(key).join('[redacted]');
  if (key.length >= 8) {
    out = out.replace(TOKEN, (token) => {
      // Sentence punctuation after a token is not part of it.
      const word = token.replace(/[.!?]+$/, '');
      return word && echoesKey(word, key) ? `[redacted]${token.slice(word.length)}` : token;
    });
  }
  return out;
}

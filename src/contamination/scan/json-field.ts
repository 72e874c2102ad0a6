/**
 * Finds the text field of a JSONL line without JSON.parse: validates the line as JSON.parse would (except the
 * text value's contents, which the hot loop validates while it hashes them) and returns the span of the value.
 */

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** The value of a JSON `\\uXXXX` escape's 4 hex digits at p, or -1. */
export function hex4(buf: Uint8Array, p: number): number {
  const a = hexVal(buf[p]);
  const b = hexVal(buf[p + 1]);
  const c = hexVal(buf[p + 2]);
  const d = hexVal(buf[p + 3]);
  if ((a | b | c | d) < 0) return -1;
  return (a << 12) | (b << 8) | (c << 4) | d;
}

/** `locateJsonField` results. */
export const FIELD_FOUND = 1;
export const FIELD_BLANK = 0;
export const FIELD_MISSING = 3;
/** Not handled here (invalid JSON, escaped keys, a non-string value, deep nesting): use JSON.parse. */
export const FIELD_SLOW = 2;

/** Span of the located string value (contents, without quotes). */
export let valueStart = 0;
export let valueEnd = 0;

let LIMIT = 0;

function skipWs(buf: Uint8Array, p: number): number {
  while (p < LIMIT) {
    const c = buf[p];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) break;
    p++;
  }
  return p;
}

/** p is just after the opening quote; returns the index after the closing quote, -1 if invalid, -2 if escaped. */
function skipString(buf: Uint8Array, p: number): number {
  let escaped = false;
  while (p < LIMIT) {
    const b = buf[p++];
    if (b === 0x22) return escaped ? -2 - p : p;
    if (b === 0x5c) {
      escaped = true;
      if (p >= LIMIT) return -1;
      const e = buf[p++];
      if (e === 0x75) {
        if (p + 4 > LIMIT || hex4(buf, p) < 0) return -1;
        p += 4;
      } else if (
        e !== 0x22 &&
        e !== 0x5c &&
        e !== 0x2f &&
        e !== 0x62 &&
        e !== 0x66 &&
        e !== 0x6e &&
        e !== 0x72 &&
        e !== 0x74
      )
        return -1;
    } else if (b < 0x20) return -1;
  }
  return -1;
}

/** The end of a string whose contents the hot loop will validate: memchr for quotes, check backslash parity. */
function stringEnd(buf: Uint8Array & { indexOf?: (v: number, from: number) => number }, p: number): number {
  for (;;) {
    const q = buf.indexOf(0x22, p);
    if (q < 0 || q >= LIMIT) return -1;
    let bs = 0;
    while (q - 1 - bs >= p && buf[q - 1 - bs] === 0x5c) bs++;
    if ((bs & 1) === 0) return q;
    p = q + 1;
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function skipNumber(buf: Uint8Array, p: number): number {
  if (buf[p] === 0x2d) p++;
  if (p >= LIMIT) return -1;
  if (buf[p] === 0x30) p++;
  else if (buf[p] >= 0x31 && buf[p] <= 0x39) while (p < LIMIT && isDigit(buf[p])) p++;
  else return -1;
  if (p < LIMIT && buf[p] === 0x2e) {
    p++;
    if (p >= LIMIT || !isDigit(buf[p])) return -1;
    while (p < LIMIT && isDigit(buf[p])) p++;
  }
  if (p < LIMIT && (buf[p] | 0x20) === 0x65) {
    p++;
    if (p < LIMIT && (buf[p] === 0x2b || buf[p] === 0x2d)) p++;
    if (p >= LIMIT || !isDigit(buf[p])) return -1;
    while (p < LIMIT && isDigit(buf[p])) p++;
  }
  return p;
}

function literal(buf: Uint8Array, p: number, word: string): number {
  if (p + word.length > LIMIT) return -1;
  for (let i = 0; i < word.length; i++) if (buf[p + i] !== word.charCodeAt(i)) return -1;
  return p + word.length;
}

/** Validates one JSON value starting at p (after whitespace); returns the index after it or -1. */
function skipValue(buf: Uint8Array, p: number, depth: number): number {
  if (p >= LIMIT || depth > 500) return -1;
  const c = buf[p];
  if (c === 0x22) {
    const q = skipString(buf, p + 1);
    return q >= 0 ? q : q === -1 ? -1 : -2 - q;
  }
  if (c === 0x7b || c === 0x5b) {
    const close = c === 0x7b ? 0x7d : 0x5d;
    p = skipWs(buf, p + 1);
    if (p < LIMIT && buf[p] === close) return p + 1;
    for (;;) {
      if (c === 0x7b) {
        if (p >= LIMIT || buf[p] !== 0x22) return -1;
        let q = skipString(buf, p + 1);
        if (q === -1) return -1;
        if (q < -1) q = -2 - q;
        p = skipWs(buf, q);
        if (p >= LIMIT || buf[p] !== 0x3a) return -1;
        p = skipWs(buf, p + 1);
      }
      p = skipValue(buf, p, depth + 1);
      if (p < 0) return -1;
      p = skipWs(buf, p);
      if (p >= LIMIT) return -1;
      if (buf[p] === close) return p + 1;
      if (buf[p] !== 0x2c) return -1;
      p = skipWs(buf, p + 1);
    }
  }
  if (c === 0x74) return literal(buf, p, 'true');
  if (c === 0x66) return literal(buf, p, 'false');
  if (c === 0x6e) return literal(buf, p, 'null');
  return skipNumber(buf, p);
}

/**
 * Validates a JSONL line [p, end) as JSON.parse would (except the text value's contents, which `scanBytes`
 * validates) and finds the top-level string field `key` (UTF-8 bytes); the last occurrence wins, as in
 * JSON.parse. Sets `valueStart`/`valueEnd`.
 */
export function locateJsonField(buf: Uint8Array, p: number, end: number, key: Uint8Array): number {
  LIMIT = end;
  p = skipWs(buf, p);
  if (p >= end) return FIELD_BLANK;
  if (buf[p] !== 0x7b) return FIELD_SLOW;
  let found = false;
  p = skipWs(buf, p + 1);
  if (p < end && buf[p] === 0x7d) {
    p++;
  } else {
    for (;;) {
      if (p >= end || buf[p] !== 0x22) return FIELD_SLOW;
      const ks = p + 1;
      const q = skipString(buf, ks);
      if (q < 0) return FIELD_SLOW; // invalid, or an escaped key that might spell the field
      let match = q - 1 - ks === key.length;
      if (match) {
        for (let i = 0; i < key.length; i++) {
          if (buf[ks + i] !== key[i]) {
            match = false;
            break;
          }
        }
      }
      p = skipWs(buf, q);
      if (p >= end || buf[p] !== 0x3a) return FIELD_SLOW;
      p = skipWs(buf, p + 1);
      if (match) {
        if (p >= end || buf[p] !== 0x22) return FIELD_SLOW;
        const e = stringEnd(buf, p + 1);
        if (e < 0) return FIELD_SLOW;
        valueStart = p + 1;
        valueEnd = e;
        found = true;
        p = e + 1;
      } else {
        p = skipValue(buf, p, 1);
        if (p < 0) return FIELD_SLOW;
      }
      p = skipWs(buf, p);
      if (p >= end) return FIELD_SLOW;
      if (buf[p] === 0x7d) {
        p++;
        break;
      }
      if (buf[p] !== 0x2c) return FIELD_SLOW;
      p = skipWs(buf, p + 1);
    }
  }
  p = skipWs(buf, p);
  if (p !== end) return FIELD_SLOW;
  return found ? FIELD_FOUND : FIELD_MISSING;
}

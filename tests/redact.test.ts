import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactKey } from '../src/models/redact.js';
import { ROOT, runCliAsync, tempDir } from './helpers/cli.js';
import { type ModelServer, startModelServer } from './helpers/model-server.js';

const KEY = 'sk-heldout-SECRET-key-4242-do-not-leak';

describe('redaction of the API key', { timeout: 120_000 }, () => {
  it.each([
    [
      'a masked echo (prefix…suffix)',
      'Incorrect API key provided: sk-…leak.',
      'Incorrect API key provided: [redacted].',
    ],
    ['stars in the middle', 'key sk-hel**********************leak rejected', 'key [redacted] rejected'],
    ['dots in the middle', 'sk-he...-leak', '[redacted]'],
    ['only the start, then a mask', 'key sk-heldout-SECRET… rejected', 'key [redacted] rejected'],
    ['only the start', 'your key sk-heldout-SEC is invalid', 'your key [redacted] is invalid'],
    ['only the end', 'a key ending in -not-leak', 'a key ending in [redacted]'],
    ['the whole key', `x-api-key: ${KEY}`, 'x-api-key: [redacted]'],
    [
      'inside JSON',
      '{"message":"Incorrect API key provided: sk-held***leak"}',
      '{"message":"Incorrect API key provided: [redacted]"}',
    ],
  ])('%s', (_name, text, masked) => {
    expect(redactKey(text, KEY)).toBe(masked);
  });

  it('leaves ordinary words, numbers and URLs alone', () => {
    const text = 'model gpt-4o not found (HTTP 404) on http://127.0.0.1:4242/v1; retry after 2 s';
    expect(redactKey(text, KEY)).toBe(text);
  });

  describe('through a real run', () => {
    let server: ModelServer;
    beforeAll(async () => {
      server = await startModelServer();
    });
    afterAll(async () => {
      await server.close();
    });

    it('a server that echoes the key masked: neither the record nor the terminal shows any part of it', async () => {
      server.defaultBehaviour = {
        kind: 'status',
        status: 401,
        body: { error: { message: `Incorrect API key provided: sk-hel${'*'.repeat(20)}leak. Also tried sk-…leak.` } },
      };
      const dir = tempDir();
      const out = join(dir, 'run');
      const r = await runCliAsync(
        ['run', join(ROOT, 'exams/tiny'), '--model', 'openai:gpt-test', '--out', out, '--no-cache'],
        {
          env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: server.openaiBaseUrl, HELDOUT_CACHE_DIR: join(dir, 'c') },
        },
      );
      server.defaultBehaviour = { kind: 'ok' };
      const records = readFileSync(join(out, 'responses.jsonl'), 'utf8');
      expect(records).toContain('Incorrect API key provided: [redacted].');
      for (const text of [records, r.stdout, r.stderr]) {
        expect(text).not.toMatch(/sk-hel|sk-…|leak/);
      }
    });
  });
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScriptInChild } from '../local/run-script-in-child.test-helper.js';
import { boundLength, escapeControlCharacters, messageText, redactUrl } from './message-text.js';

describe('redactUrl', () => {
  it('takes out user:password@ and the query, parsable or not', () => {
    expect(redactUrl('see https://user:pa55@host.example:8080/a/b.png?X-Amz-Signature=1#f')).toBe(
      'see https://[redacted]@host.example:8080/a/b.png?[redacted]',
    );
    expect(redactUrl('http://u:p@[::1/x?y=1')).toBe(
      'http://[redacted]@[::1/x?y=1'.replace('?y=1', '?[redacted]'),
    );
    expect(redactUrl('ftp://a@b@c/d')).toBe('ftp://[redacted]@c/d');
    expect(redactUrl('no url here: a.b:c')).toBe('no url here: a.b:c');
  });
});

describe('escapeControlCharacters', () => {
  it('writes line breaks, ANSI escapes and line separators out', () => {
    expect(escapeControlCharacters('a\r\nb\u001b[2K\tc\u2028\u0085')).toBe(
      'a\\r\\nb\\x1b[2K\\tc\\u2028\\x85',
    );
  });
});

describe('messageText', () => {
  it('bounds length, marking the cut, and never splits a surrogate pair', () => {
    expect(boundLength('abcdef', 4)).toBe('abcd… (2 more characters)');
    expect(boundLength('ab😀cd', 3)).toBe('ab… (4 more characters)');
    expect(messageText('x'.repeat(10_000), 100)).toBe(
      `${'x'.repeat(100)}… (cut from 10000 characters)`,
    );
    expect(messageText('x'.repeat(150), 100)).toBe(`${'x'.repeat(100)}… (cut from 150 characters)`);
    const huge = messageText('y'.repeat(20_000_000));
    expect(huge).toBe(`${'y'.repeat(1_000)}… (cut from 20000000 characters)`);
  });

  it('redacts a URL that straddles the cut, even past the margin it keeps', () => {
    const text = `${'x'.repeat(990)} https://user:pass@${'h'.repeat(5_000)}/p?sig=1${'z'.repeat(10_000)}`;
    const out = messageText(text);
    expect(out).not.toContain('user');
    expect(out).toContain(' https://[');
  });

  it('stays linear on text that looks like many URL schemes (child process, 20 s cap)', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'message-text-'));
    try {
      // With an unbounded scheme pattern, 'a.a.a.…' was quadratic: 100 KB took 7.5 s.
      const run = await runScriptInChild(
        `const { messageText, redactUrl } = await importSource('errors/message-text.ts');
const text = 'a.'.repeat(500_000);
messageText(text);
redactUrl(text.slice(0, 400_000));
console.log('done');`,
        { directory, timeoutMs: 20_000, maxOldSpaceMb: 256 },
      );
      expect(run.timedOut).toBe(false);
      expect(run.stdout.trim()).toBe('done');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }, 30_000);
});

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readlink, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireFileLock } from './file-lock.js';

let directory: string;
let count = 0;
const lockPath = () => join(directory, `blob-${count++}.lock`);

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'file-lock-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function exitedPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid as number;
}

describe('acquireFileLock', () => {
  it('lets one holder in at a time and writes who holds it', async () => {
    const path = lockPath();
    const first = await acquireFileLock(path, { staleMs: 60_000, pollMs: 10 });
    expect(JSON.parse(await readFile(path, 'utf8'))).toMatchObject({
      pid: process.pid,
      hostname: hostname(),
    });
    const events: string[] = [];
    const second = acquireFileLock(path, { staleMs: 60_000, pollMs: 10 }).then((lock) => {
      events.push('second acquired');
      return lock;
    });
    await sleep(100);
    events.push('first releases');
    await first?.release();
    const lock = await second;
    expect(events).toEqual(['first releases', 'second acquired']);
    await lock?.release();
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('takes over a lock not refreshed for staleMs', async () => {
    const path = lockPath();
    await writeFile(path, JSON.stringify({ pid: 1, hostname: 'another-host' }));
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(path, anHourAgo, anHourAgo);
    const lock = await acquireFileLock(path, { staleMs: 1_000, pollMs: 10 });
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await lock?.release();
  });

  it('takes over at once a fresh lock whose owner on this host has exited', async () => {
    const path = lockPath();
    const pidNamespace = await readlink('/proc/self/ns/pid').catch(() => undefined);
    await writeFile(
      path,
      JSON.stringify({ pid: await exitedPid(), hostname: hostname(), pidNamespace }),
    );
    const lock = await acquireFileLock(path, {
      staleMs: 60_000,
      pollMs: 10,
      signal: AbortSignal.timeout(5_000),
    });
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await lock?.release();
  });

  it('waits on a fresh lock of a live owner, and rejects with the reason on abort', async () => {
    const path = lockPath();
    const owner = JSON.stringify({ pid: process.ppid, hostname: hostname() });
    await writeFile(path, owner);
    const controller = new AbortController();
    const reason = new Error('gave up waiting');
    setTimeout(() => controller.abort(reason), 200);
    const error = await rejection(
      acquireFileLock(path, { staleMs: 60_000, pollMs: 10, signal: controller.signal }),
    );
    expect(error).toBe(reason);
    expect(await readFile(path, 'utf8')).toBe(owner);
    // A lock left by another host is only judged by its age.
    await writeFile(path, JSON.stringify({ pid: await exitedPid(), hostname: 'another-host' }));
    expect(
      await rejection(
        acquireFileLock(path, { staleMs: 60_000, pollMs: 10, signal: AbortSignal.timeout(200) }),
      ),
    ).toMatchObject({ name: 'TimeoutError' });
  });

  it('keeps a held lock fresh, so a long holder is not taken over', async () => {
    const path = lockPath();
    const lock = await acquireFileLock(path, { staleMs: 300, pollMs: 10 });
    const error = await rejection(
      acquireFileLock(path, { staleMs: 300, pollMs: 10, signal: AbortSignal.timeout(900) }),
    );
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    expect(Date.now() - (await stat(path)).mtimeMs).toBeLessThan(300);
    await lock?.release();
  });

  it('ends the wait without the lock when isDone says the work is done', async () => {
    const path = lockPath();
    const held = await acquireFileLock(path, { staleMs: 60_000 });
    let done = false;
    setTimeout(() => {
      done = true;
    }, 50);
    const result = await acquireFileLock(path, {
      staleMs: 60_000,
      pollMs: 10,
      isDone: async () => done,
    });
    expect(result).toBeUndefined();
    await held?.release();
  });

  it('does not delete a lock another holder re-created after a takeover', async () => {
    const path = lockPath();
    const lock = await acquireFileLock(path, { staleMs: 60_000 });
    await unlink(path);
    await writeFile(path, 'someone else');
    await lock?.release();
    expect(await readFile(path, 'utf8')).toBe('someone else');
  });
});

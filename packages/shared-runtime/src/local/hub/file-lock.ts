import { randomUUID } from 'node:crypto';
import { link, open, readFile, readlink, rename, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** Options of {@link acquireFileLock}. */
export interface FileLockOptions {
  /**
   * A lock not refreshed for this long is taken over. The holder refreshes it every third of
   * this time, so only a frozen or dead holder lets it go stale.
   */
  staleMs: number;
  /** Pause between two looks at a held lock. @default 100 */
  pollMs?: number;
  /** Abandons the wait; the call then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Looked at while waiting: when it resolves true, the wait ends without taking the lock. */
  isDone?: () => Promise<boolean>;
}

/** A held lock. */
export interface FileLock {
  /** Stops refreshing and deletes the lock file (when it is still this holder's). */
  release(): Promise<void>;
}

/** Who holds a lock, written into the lock file. */
interface LockOwner {
  /** Unique per acquisition: tells this lock from a later one (inode numbers get reused). */
  id: string;
  pid: number;
  hostname: string;
  /** The PID namespace (Linux), so a PID is only judged on the host and namespace it means. */
  pidNamespace: string | undefined;
}

/**
 * Takes an exclusive lock between processes (and between calls in one process): a file created
 * with `O_EXCL`, which exactly one creator wins on every local filesystem. Waiters poll until the
 * lock file is gone or `isDone` says the work was done. A lock left behind by a crash is taken
 * over when its owner (same host and PID namespace) is dead, or when it was not refreshed for
 * `staleMs`.
 *
 * Hand-written because Node has no `flock`; the npm lock packages use the same exclusive-create
 * plus staleness scheme, and one more dependency is not worth ~100 lines.
 *
 * @returns The lock, or undefined when `isDone` ended the wait.
 */
export async function acquireFileLock(
  path: string,
  options: FileLockOptions,
): Promise<FileLock | undefined> {
  const { staleMs, pollMs = 100, signal, isDone } = options;
  for (;;) {
    signal?.throwIfAborted();
    const lock = await tryCreateLock(path, staleMs);
    if (lock !== undefined) return lock;
    if (isDone !== undefined && (await isDone())) return undefined;
    if (await breakIfStale(path, staleMs)) continue;
    try {
      await sleep(pollMs, undefined, { signal });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw error;
    }
  }
}

async function tryCreateLock(path: string, staleMs: number): Promise<FileLock | undefined> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if (isErrorCode(error, 'EEXIST')) return undefined;
    throw error;
  }
  const id = randomUUID();
  try {
    const owner: LockOwner = {
      id,
      pid: process.pid,
      hostname: hostname(),
      pidNamespace: await pidNamespace(),
    };
    await handle.writeFile(JSON.stringify(owner));
  } finally {
    await handle.close();
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(path, now, now).catch(() => {});
  }, staleMs / 3);
  heartbeat.unref();
  return {
    async release() {
      clearInterval(heartbeat);
      // Delete only this holder's lock, never one re-created after a takeover.
      if ((await readOwner(path))?.id !== id) return;
      await unlink(path).catch((error: unknown) => {
        if (!isErrorCode(error, 'ENOENT')) throw error;
      });
    },
  };
}

/**
 * Removes the lock when it is stale. Two waiters may judge the same lock stale at once: each
 * moves it aside under a unique name (rename is atomic, so one of them gets it) and then checks
 * that what it moved is the lock it judged; a fresh lock moved by mistake is put back.
 *
 * @returns true when the lock is gone (taken over or released meanwhile).
 */
async function breakIfStale(path: string, staleMs: number): Promise<boolean> {
  let judged: Awaited<ReturnType<typeof stat>>;
  try {
    judged = await stat(path);
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return true;
    throw error;
  }
  const owner = await readOwner(path);
  const stale = Date.now() - judged.mtimeMs > staleMs || (await isOwnerDead(owner));
  if (!stale) return false;

  const aside = `${path}.stale-${randomUUID()}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if (isErrorCode(error, 'ENOENT')) return true;
    throw error;
  }
  const moved = await stat(aside);
  if ((await readOwner(aside))?.id !== owner?.id || moved.mtimeMs !== judged.mtimeMs) {
    // A live lock, created or refreshed after the judgement: put it back unless replaced.
    await link(aside, path).catch(() => {});
  }
  await unlink(aside).catch(() => {});
  return true;
}

async function readOwner(path: string): Promise<Partial<LockOwner> | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as Partial<LockOwner>;
  } catch {
    // Gone, or being written.
    return undefined;
  }
}

/** True when the owner process ran on this host and PID namespace and has exited. */
async function isOwnerDead(owner: Partial<LockOwner> | undefined): Promise<boolean> {
  if (
    owner === undefined ||
    typeof owner.pid !== 'number' ||
    owner.pid === process.pid ||
    owner.hostname !== hostname() ||
    (owner.pidNamespace ?? undefined) !== (await pidNamespace())
  ) {
    return false;
  }
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return isErrorCode(error, 'ESRCH');
  }
}

let pidNamespaceCache: Promise<string | undefined> | undefined;

function pidNamespace(): Promise<string | undefined> {
  pidNamespaceCache ??= readlink('/proc/self/ns/pid').catch(() => undefined);
  return pidNamespaceCache;
}

function isErrorCode(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

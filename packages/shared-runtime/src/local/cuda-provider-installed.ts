import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Whether onnxruntime-node's CUDA execution provider library is installed beside its native
 * binding: `false` when it is surely absent (on Linux x64, `libonnxruntime_providers_cuda.so`
 * missing from `bin/napi-v6/linux/x64/`: the install script skipped or failed its download),
 * `undefined` when this cannot tell (other platforms, another layout, onnxruntime-node not
 * resolvable from here).
 *
 * `device: 'auto'` asks this before trying CUDA: a session create on a missing provider makes
 * onnxruntime print a red `[E:onnxruntime ... libonnxruntime_providers_shared.so]` line through
 * its process-wide logger (a session's `logSeverityLevel` does not silence it), for an outcome
 * that `'auto'` expects and handles by using the CPU.
 */
export function cudaProviderInstalled(from: string = import.meta.url): boolean | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  let entry: string;
  try {
    entry = createRequire(from).resolve('onnxruntime-node');
  } catch {
    return undefined;
  }
  // <package>/dist/index.js -> <package>/bin/napi-v6/linux/x64/
  const binaries = join(dirname(entry), '..', 'bin', 'napi-v6', 'linux', 'x64');
  if (!existsSync(join(binaries, 'onnxruntime_binding.node'))) return undefined;
  return existsSync(join(binaries, 'libonnxruntime_providers_cuda.so'));
}

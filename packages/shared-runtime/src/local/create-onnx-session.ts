import type { InferenceSession } from 'onnxruntime-node';
import { ModelLoadError } from '../errors/model-load-error.js';
import { importOptionalPeer } from '../optional-peer.js';
import { cudaProviderInstalled } from './cuda-provider-installed.js';
import type { Device } from './local-backend-options.js';

type OnnxRuntime = typeof import('onnxruntime-node');

/** How to open a graph. */
export interface OnnxSessionOptions {
  device: Device;
  /** Intra-op threads; undefined lets onnxruntime choose. */
  threads: number | undefined;
}

/** What to tell a user who asked for CUDA without the binaries that run it. */
export const CUDA_INSTALL_HINT =
  "onnxruntime-node's CUDA execution provider is not installed: its CUDA 12 binaries are not in the npm package, and its install script downloads them on Linux x64 unless the install skipped that (ONNXRUNTIME_NODE_INSTALL=skip, an .npmrc line onnxruntime-node-install=skip, --ignore-scripts, or npm's allowScripts denying onnxruntime-node) or the download failed. " +
  'Run its install script again with `ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node` (Linux x64; CUDA 12 and cuDNN 9 must be installed), ' +
  "or use device: 'cpu' (or 'auto' to fall back to the CPU).";

/**
 * @internal Sessions created and released in this process: lets tests check that a model loads
 * once and that `close()` releases what it opened, without imitating onnxruntime.
 */
export const onnxSessionStatistics = { created: 0, released: 0 };

/** `auto` found CUDA unusable once in this process: later graphs go straight to the CPU. */
let cudaUnavailable = false;

/**
 * onnxruntime-node reports a missing CUDA provider as "...AppendExecutionProvider_Cuda: Failed
 * to load shared library" (the provider libraries absent) or a load error naming CUDA libraries
 * (the CUDA toolkit or cuDNN absent).
 */
function isCudaUnavailable(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return /cuda|cudnn|providers_shared|shared librar/i.test(message);
}

async function open(
  runtime: OnnxRuntime,
  path: string,
  executionProvider: 'cpu' | 'cuda',
  threads: number | undefined,
): Promise<InferenceSession> {
  const session = await runtime.InferenceSession.create(path, {
    executionProviders: [executionProvider],
    ...(threads === undefined ? {} : { intraOpNumThreads: threads }),
  });
  onnxSessionStatistics.created++;
  return session;
}

/**
 * Opens one ONNX graph with onnxruntime-node: `device: 'cpu'` on the CPU, `'cuda'` on the CUDA
 * execution provider (a {@link ModelLoadError} with the install command when its binaries are
 * absent: no silent CPU fallback), `'auto'` on CUDA when it works, else on the CPU.
 * The graph is opened from its path so that external weights (`.onnx_data`) load beside it.
 */
export async function createOnnxSession(
  path: string,
  file: string,
  options: OnnxSessionOptions,
): Promise<InferenceSession> {
  const runtime = await importOptionalPeer<OnnxRuntime>('onnxruntime-node');
  const loadError = (error: unknown) =>
    new ModelLoadError(
      `onnxruntime could not load ${file} (${path}): ${error instanceof Error ? error.message : String(error)}`,
      { file, cause: error },
    );
  const onCpu = () =>
    open(runtime, path, 'cpu', options.threads).catch((error: unknown) => {
      throw loadError(error);
    });
  // 'auto' without the CUDA provider library: the CPU, without a CUDA attempt that would print
  // onnxruntime's red error line for an outcome 'auto' expects.
  if (options.device === 'auto' && !cudaUnavailable && cudaProviderInstalled() === false) {
    cudaUnavailable = true;
  }
  if (options.device === 'cpu' || (options.device === 'auto' && cudaUnavailable)) return onCpu();
  try {
    return await open(runtime, path, 'cuda', options.threads);
  } catch (error) {
    if (!isCudaUnavailable(error)) throw loadError(error);
    if (options.device === 'cuda') {
      throw new ModelLoadError(`Cannot run ${file} on CUDA. ${CUDA_INSTALL_HINT}`, {
        file,
        cause: error,
      });
    }
    cudaUnavailable = true;
    return onCpu();
  }
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiBackendOptions } from '../api/api-backend-options.js';
import { InvalidInputError } from '../errors/invalid-input-error.js';
import type { LocalBackendOptions } from '../local/local-backend-options.js';
import type { JinaClipModelId } from '../models/model-info.js';
import { DEFAULT_MODEL } from '../models/models.js';
import { type JinaApiServer, startJinaApiServer } from './jina-api-server.js';
import { loopbackApiOptions } from './loopback-api-options.js';
import {
  type TinyModelRepo,
  type TinyModelRepoOptions,
  writeTinyModelRepo,
} from './tiny-model-repo/write-tiny-model-repo.js';

/** Options of {@link startOfflineBackends}. */
export interface OfflineBackendsOptions {
  /** The model the api options name (the loopback server serves every model). @default 'jina-clip-v1' */
  apiModel?: JinaClipModelId;
  /** The model the tiny repo imitates, which the local options name. @default 'jina-clip-v1' */
  localModel?: TinyModelRepoOptions['model'];
}

/** Both backends on offline stand-ins, as the options that create them. */
export interface OfflineBackends {
  /** The loopback Jina API server the api options reach. */
  readonly server: JinaApiServer;
  /** The tiny model repo the local options load. */
  readonly repo: TinyModelRepo;
  /**
   * `backend: 'api'`, the model, and {@link loopbackApiOptions} of the server: options of
   * `createBackend` and of the adapters alike.
   */
  readonly api: { readonly backend: 'api' } & ApiBackendOptions;
  /** `backend: 'local'`, the repo's model and its folder as `modelPath`. */
  readonly local: { readonly backend: 'local' } & LocalBackendOptions;
  /** Stops the server and deletes the repo's folder. */
  close(): Promise<void>;
}

/** The models a tiny repo imitates. */
const TINY_MODELS: readonly string[] = [
  'jina-clip-v1',
  'jina-clip-v2',
] satisfies readonly TinyModelRepoOptions['model'][];

/** Defaults applied and checked, before anything is started. */
function resolveOptions(options: OfflineBackendsOptions): Required<OfflineBackendsOptions> {
  const { apiModel = DEFAULT_MODEL, localModel = 'jina-clip-v1' } = options;
  if (!TINY_MODELS.includes(localModel)) {
    throw new InvalidInputError(
      `\`localModel\` must be one of ${TINY_MODELS.join(', ')}, got ${JSON.stringify(localModel)}.`,
      { field: 'localModel' },
    );
  }
  return { apiModel, localModel };
}

/**
 * Starts what a pipeline test runs on, offline and on both backends: a loopback Jina API server
 * for the api backend, and a tiny model repo (random weights, real ONNX graphs) in a temp folder
 * for the local one. Run the same test on `api` and on `local`, and check the pipeline against a
 * reference backend of the same options ({@link rankBySimilarity}, {@link referenceEmbeddings}).
 *
 * @throws {InvalidInputError} with `field: 'localModel'` for a model no tiny repo imitates.
 *
 * @example
 * ```ts
 * const offline = await startOfflineBackends({ apiModel: 'jina-clip-v2' });
 * for (const options of [offline.api, offline.local]) {
 *   const embeddings = new JinaClipEmbeddings(options);
 *   // ... index and search, then compare with rankBySimilarity(createBackend(options), ...)
 * }
 * await offline.close();
 * ```
 */
export async function startOfflineBackends(
  options: OfflineBackendsOptions = {},
): Promise<OfflineBackends> {
  const { apiModel, localModel } = resolveOptions(options);
  const directory = await mkdtemp(join(tmpdir(), 'jina-clip-offline-'));
  const removeDirectory = () => rm(directory, { recursive: true, force: true });
  let repo: TinyModelRepo;
  let server: JinaApiServer;
  try {
    repo = await writeTinyModelRepo(directory, { model: localModel });
    server = await startJinaApiServer();
  } catch (error) {
    await removeDirectory();
    throw error;
  }
  return {
    server,
    repo,
    api: { backend: 'api', model: apiModel, ...loopbackApiOptions(server) },
    local: { backend: 'local', model: localModel, modelPath: repo.directory },
    async close() {
      await server.close();
      await removeDirectory();
    },
  };
}

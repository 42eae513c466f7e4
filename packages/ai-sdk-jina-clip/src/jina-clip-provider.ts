import { type EmbeddingModelV4, NoSuchModelError, type ProviderV4 } from '@ai-sdk/provider';
import {
  type AdapterConfig,
  type AdapterOptions,
  DEFAULT_BATCH_SIZES,
  type EmbeddingTask,
  InvalidInputError,
  type JinaClipModelId,
  resolveAdapterOptions,
} from 'jina-clip-runtime';
import {
  JinaClipEmbeddingModel,
  type JinaClipEmbeddingModelConfig,
} from './jina-clip-embedding-model.js';

/** `Omit` over each member of a union, so the union stays discriminated. */
type OmitEach<Union, Key extends PropertyKey> = Union extends unknown ? Omit<Union, Key> : never;

/**
 * Options of {@link createJinaClip}: the backend and its options, as the LangChain and
 * LlamaIndex adapters take them (a discriminated union on `backend`: `'api'`, the default,
 * `'local'`, or an `EmbeddingBackend` of your own), without `model`: the model id is
 * `provider.embeddingModel(modelId)`'s. `dimensions`, `signal` and `onUsage` apply to every
 * call; a call's own `dimensions` and `abortSignal` come on top.
 */
export type JinaClipProviderSettings = OmitEach<AdapterOptions, 'model'>;

/** The Jina CLIP provider: embedding models only. */
export interface JinaClipProvider extends ProviderV4 {
  /** The model for `embed` / `embedMany`: values embedded as documents unless a call says. */
  (modelId: JinaClipModelId): JinaClipEmbeddingModel;
  /** The model for `embed` / `embedMany`: values embedded as documents unless a call says. */
  embeddingModel(modelId: JinaClipModelId): JinaClipEmbeddingModel;
  /**
   * The same model, embedding queries (`task: 'retrieval.query'`: jina-clip-v2 prefixes its
   * query instruction, v1 has none). It shares the backend of `embeddingModel(modelId)`.
   */
  queryModel(modelId: JinaClipModelId): JinaClipEmbeddingModel;
  /** Releases the connections or ONNX sessions of every backend this provider created. */
  close(): Promise<void>;
}

const PROVIDER_NAME = 'jina-clip';

/** The `batchSize` of the options (read as JavaScript may pass them), if any. */
function batchSizeOf(settings: JinaClipProviderSettings): number | undefined {
  return (settings as { batchSize?: number }).batchSize;
}

/**
 * Creates a Jina CLIP provider for the AI SDK: `provider.embeddingModel('jina-clip-v2')` embeds
 * texts and images (per value in `providerOptions.jinaClip.content`) with `embed` and
 * `embedMany`, through the hosted Jina API (`JINA_API_KEY`) or the ONNX model in-process.
 * Options are checked at once (an `InvalidInputError` names the field); each model id's backend
 * is created at its first use, once.
 */
export function createJinaClip(settings: JinaClipProviderSettings = {}): JinaClipProvider {
  // Every option is checked here, so a wrong one fails now, not at the first call.
  if ((settings as { model?: unknown }).model !== undefined) {
    throw new InvalidInputError(
      '`model` is not a provider option: name the model in `provider.embeddingModel(modelId)`.',
      { field: 'model' },
    );
  }
  const ownBackend = typeof settings.backend === 'object' ? settings.backend : undefined;
  const backendKind: 'api' | 'local' | 'custom' =
    typeof settings.backend === 'object' ? 'custom' : (settings.backend ?? 'api');
  if (backendKind !== 'custom') {
    // Every option checked now (the backend made for it opens nothing and is closed at once);
    // `dimensions` is checked per model, at its first use, against that model's widths.
    const check = { ...settings, dimensions: undefined } as AdapterOptions;
    void resolveAdapterOptions(check).backend.close();
  }
  const adapters = new Map<string, AdapterConfig>();

  const adapterFor = (modelId: string) => (): AdapterConfig => {
    let adapter = adapters.get(modelId);
    if (adapter === undefined) {
      adapter = resolveAdapterOptions(
        ownBackend === undefined ? ({ ...settings, model: modelId } as AdapterOptions) : settings,
      );
      adapters.set(modelId, adapter);
    }
    return adapter;
  };

  const createModel = (modelId: JinaClipModelId, task: EmbeddingTask | undefined) => {
    if (typeof modelId !== 'string' || modelId === '') {
      throw new InvalidInputError('The model id must be a non-empty string, e.g. "jina-clip-v2".', {
        field: 'modelId',
      });
    }
    if (ownBackend !== undefined && ownBackend.model.id !== modelId) {
      throw new InvalidInputError(
        `This provider's own backend embeds with ${ownBackend.model.id}, not ${modelId}.`,
        { field: 'modelId' },
      );
    }
    return new JinaClipEmbeddingModel(modelId, {
      provider: `${PROVIDER_NAME}.embedding`,
      adapter: adapterFor(modelId),
      backendKind,
      task,
      onTruncation: (settings as { onTruncation?: JinaClipEmbeddingModelConfig['onTruncation'] })
        .onTruncation,
      maxEmbeddingsPerCall:
        backendKind === 'custom'
          ? undefined
          : (batchSizeOf(settings) ?? DEFAULT_BATCH_SIZES[backendKind]),
    });
  };

  const noSuchModel =
    (modelType: 'languageModel' | 'imageModel') =>
    (modelId: string): never => {
      throw new NoSuchModelError({ modelId, modelType });
    };

  const provider = (modelId: JinaClipModelId) => createModel(modelId, undefined);
  return Object.assign(provider, {
    specificationVersion: 'v4' as const,
    embeddingModel: (modelId: JinaClipModelId) => createModel(modelId, undefined),
    queryModel: (modelId: JinaClipModelId) => createModel(modelId, 'retrieval.query'),
    languageModel: noSuchModel('languageModel'),
    imageModel: noSuchModel('imageModel'),
    async close() {
      const owned = [...adapters.values()].filter((adapter) => adapter.ownsBackend);
      adapters.clear();
      await Promise.all(owned.map((adapter) => adapter.backend.close()));
    },
  }) satisfies JinaClipProvider & { embeddingModel(modelId: string): EmbeddingModelV4 };
}

/**
 * The default provider: the hosted Jina API, the key read from `JINA_API_KEY` at the first
 * request. `jinaClip.embeddingModel('jina-clip-v2')`.
 */
export const jinaClip: JinaClipProvider = createJinaClip();

import { type BaseEmbeddingOptions, MultiModalEmbedding } from '@llamaindex/core/embeddings';
import { type BaseNode, TransformComponent } from '@llamaindex/core/schema';

/**
 * A `MultiModalEmbedding` whose ingestion transform is its own {@link embedNodes}.
 *
 * LlamaIndex calls an embed model as a function (a `TransformComponent`) to embed nodes:
 * `VectorStoreIndex` (`fromDocuments`, `init`, `insertNodes`) and `IngestionPipeline` both do.
 * The base class's transform (`@llamaindex/core` 0.6.x) awaits one `embedBatchSize` chunk
 * after another, so one request is in flight however many the backend allows. This class builds
 * its instance the way `TransformComponent` does, with `embedNodes` as the function, so a
 * subclass can hand all of a modality's nodes to a backend that keeps several requests in flight.
 */
export abstract class NodeEmbeddingTransform extends MultiModalEmbedding {
  constructor() {
    super();
    // The object super() made calls the base class's transform; make one that calls ours, through
    // TransformComponent's own constructor (a callable with this class's prototype and an `id`).
    // Fields of subclasses are then set on it, as on any instance.
    const transform: NodeEmbeddingTransform = Reflect.construct(
      TransformComponent,
      [(nodes: BaseNode[], options?: BaseEmbeddingOptions) => transform.embedNodes(nodes, options)],
      new.target,
    );
    // What the base constructors set (`embedBatchSize`, a default `getTextEmbeddings`), but its id.
    for (const key of Object.keys(this)) {
      if (key !== 'id') Reflect.set(transform, key, Reflect.get(this, key));
    }
    // biome-ignore lint/correctness/noConstructorReturn: the instance must be a callable, as in TransformComponent.
    return transform;
  }

  /** Embeds `nodes` in place (sets each `embedding`) and returns them: the ingestion transform. */
  protected abstract embedNodes(
    nodes: BaseNode[],
    options?: BaseEmbeddingOptions,
  ): Promise<BaseNode[]>;
}

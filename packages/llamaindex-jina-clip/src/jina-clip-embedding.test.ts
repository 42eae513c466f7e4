import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { MultiModalEmbedding } from '@llamaindex/core/embeddings';
import { type BaseNode, ImageNode, MetadataMode, TextNode } from '@llamaindex/core/schema';
import {
  type AdapterApiOptions,
  type AdapterUsage,
  ApiError,
  createBackend,
  type EmbeddingInput,
  type EmbedOptions,
  ImageLoadError,
  InvalidInputError,
  JinaClipError,
  MODELS,
} from 'jina-clip-runtime';
import { createLocalBackend } from 'jina-clip-runtime/local';
import {
  createRecordingBackend,
  expectedServerEmbedding,
  type JinaApiServer,
  loopbackApiOptions,
  referenceEmbeddings,
  startJinaApiServer,
  type TestImage,
  writeTestImages,
  writeTinyModelRepo,
} from 'jina-clip-runtime/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import {
  JinaClipEmbedding,
  type JinaClipEmbeddingBatchOptions,
  type JinaClipEmbeddingOptions,
} from './jina-clip-embedding.js';

let server: JinaApiServer;
let images: TestImage[];

beforeAll(async () => {
  server = await startJinaApiServer();
  images = await writeTestImages({ red: [220, 30, 30], green: [30, 200, 60], blue: [40, 60, 210] });
});
afterEach(() => {
  server.reset();
  server.setLatency(0);
});
afterAll(() => server.close());

/** An adapter on the loopback server, closed after the test. */
function apiEmbedding(
  options: AdapterApiOptions & JinaClipEmbeddingBatchOptions = {},
): JinaClipEmbedding {
  const embedding = new JinaClipEmbedding({ ...loopbackApiOptions(server), ...options });
  onTestFinished(() => embedding.close());
  return embedding;
}

/** The runtime's own api backend on the same server: what the adapter must return. */
const runtimeVectors = (model: string, inputs: EmbeddingInput[], options?: EmbedOptions) =>
  referenceEmbeddings({ ...loopbackApiOptions(server), model }, inputs, options);

/** The bodies the server received, in arrival order. */
function bodies(): Array<{ input: Array<{ text?: string; image?: string }>; task?: string }> {
  return server.requests.map((request) => request.body as ReturnType<typeof bodies>[number]);
}

const serverVector = (
  input: Parameters<typeof expectedServerEmbedding>[0],
  model = 'jina-clip-v2',
  task?: 'retrieval.query',
) => Array.from(expectedServerEmbedding(input, model, undefined, { task }));

describe('JinaClipEmbedding on the api backend', () => {
  it('is a MultiModalEmbedding with getTextEmbeddings as its own instance field', async () => {
    const embedding = apiEmbedding({ model: 'jina-clip-v2' });
    expect(embedding).toBeInstanceOf(MultiModalEmbedding);
    expect(Object.hasOwn(embedding, 'getTextEmbeddings')).toBe(true);
    expect(embedding.model).toBe('jina-clip-v2');
    expect(embedding.embedBatchSize).toBe(32);

    const texts = Array.from({ length: 12 }, (_, index) => `text ${index}`);
    const vectors = await embedding.getTextEmbeddings(texts);

    // One backend call, one request for the whole batch, documents (no task).
    expect(bodies()).toEqual([
      {
        model: 'jina-clip-v2',
        input: texts.map((text) => ({ text })),
        normalized: true,
        embedding_type: 'base64',
      },
    ]);
    expect(vectors).toEqual(texts.map((text) => serverVector(text)));
  });

  it('embeds a text as a document and a text query with the query task (v2)', async () => {
    const embedding = apiEmbedding({ model: 'jina-clip-v2' });
    const document = await embedding.getTextEmbedding('a red bus');
    const query = await embedding.getQueryEmbedding({ type: 'text', text: 'a red bus' });

    expect(bodies().map((body) => body.task)).toEqual([undefined, 'retrieval.query']);
    expect(document).toEqual(serverVector('a red bus'));
    expect(query).toEqual(serverVector('a red bus', 'jina-clip-v2', 'retrieval.query'));
    expect([query]).toEqual(
      await runtimeVectors('jina-clip-v2', ['a red bus'], { task: 'retrieval.query' }),
    );
  });

  it('never sends a task for jina-clip-v1', async () => {
    const embedding = apiEmbedding({ model: 'jina-clip-v1' });
    const query = await embedding.getQueryEmbedding({ type: 'text', text: 'a red bus' });
    const document = await embedding.getTextEmbedding('a red bus');

    expect(bodies().map((body) => 'task' in body)).toEqual([false, false]);
    expect(query).toEqual(document);
  });

  it('embeds images given as paths, file and http URLs (strings and URL objects) and Blobs', async () => {
    const embedding = apiEmbedding({ model: 'jina-clip-v2' });
    const red = images[0]!;
    const local = [
      red.path,
      pathToFileURL(red.path).href,
      pathToFileURL(red.path),
      new Blob([red.bytes], { type: 'image/png' }),
    ];
    const remote = ['https://example.com/bus.jpg', new URL('https://example.com/bus.jpg')];

    const one = await Promise.all(
      [...local, ...remote].map((image) => embedding.getImageEmbedding(image)),
    );
    server.reset();
    const batch = await embedding.getImageEmbeddings([...local, ...remote]);
    const batchBodies = bodies();

    const [expected] = await runtimeVectors('jina-clip-v2', [{ image: red.path }]);
    const urlVector = serverVector({ image: 'https://example.com/bus.jpg' });
    expect(one).toEqual([expected, expected, expected, expected, urlVector, urlVector]);
    // getImageEmbeddings is one backend call: one request.
    expect(batch).toEqual(one);
    expect(batchBodies).toHaveLength(1);
    expect(batchBodies[0]?.input.slice(4)).toEqual([
      { image: 'https://example.com/bus.jpg' },
      { image: 'https://example.com/bus.jpg' },
    ]);
  });

  it('embeds an image_url or base64 image query detail as an image, and other details as null', async () => {
    const embedding = apiEmbedding({ model: 'jina-clip-v2' });
    const green = images[1]!;
    const base64 = Buffer.from(green.bytes).toString('base64');
    const [expected] = await runtimeVectors('jina-clip-v2', [{ image: green.path }]);
    server.reset();

    expect(
      await embedding.getQueryEmbedding({
        type: 'image_url',
        image_url: { url: pathToFileURL(green.path).href },
      }),
    ).toEqual(expected);
    expect(
      await embedding.getQueryEmbedding({
        type: 'image_url',
        image_url: { url: `data:image/png;base64,${base64}` },
      }),
    ).toEqual(expected);
    expect(
      await embedding.getQueryEmbedding({ type: 'image', data: base64, mimeType: 'image/png' }),
    ).toEqual(expected);
    expect(
      await embedding.getQueryEmbedding({ type: 'audio', data: 'AAAA', mimeType: 'audio/wav' }),
    ).toBeNull();
    expect(bodies().map((body) => body.task)).toEqual([
      'retrieval.query',
      'retrieval.query',
      'retrieval.query',
    ]);
  });

  it('takes embedBatchSize as the request size and calls progress as each request finishes', async () => {
    // One request at a time, so the progress sequence is fixed.
    const embedding = apiEmbedding({ model: 'jina-clip-v1', embedBatchSize: 4, maxConcurrency: 1 });
    const texts = Array.from({ length: 10 }, (_, index) => `node text ${index}`);
    const nodes = [
      ...texts.map((text) => new TextNode({ text })),
      ...images.map((image) => new ImageNode({ id_: image.path, image: image.path })),
    ];
    const progress: Array<[number, number]> = [];

    await embedding(nodes, {
      progressCallback: (done: number, total: number) => progress.push([done, total]),
    });

    // Texts, then images, each one backend call, in requests of 4; progress counts over the
    // whole ingestion call (13 nodes), not each modality apart.
    expect(bodies().map((body) => body.input.length)).toEqual([4, 4, 2, 3]);
    expect(progress).toEqual([
      [4, 13],
      [8, 13],
      [10, 13],
      [13, 13],
    ]);
    expect(nodes.slice(0, 10).map((node) => node.embedding)).toEqual(
      texts.map((text) => serverVector(text, 'jina-clip-v1')),
    );
    expect(nodes.slice(10).map((node) => node.embedding)).toEqual(
      await runtimeVectors(
        'jina-clip-v1',
        images.map((image) => ({ image: image.path })),
      ),
    );
  });

  it('with onNodeError, ingestion keeps the good nodes of a batch with a bad one and reports the bad one', async () => {
    const failures: [JinaClipError, BaseNode][] = [];
    const embedding = apiEmbedding({ model: 'jina-clip-v2' } as AdapterApiOptions);
    const settledEmbedding = new JinaClipEmbedding({
      ...loopbackApiOptions(server),
      model: 'jina-clip-v2',
      onNodeError: (error, node) => failures.push([error, node]),
    });
    onTestFinished(() => settledEmbedding.close());
    const missing = `${images[0]!.path}.missing.png`;
    const nodes = [
      new TextNode({ text: 'a red bus' }),
      new ImageNode({ id_: 'red', image: images[0]!.path }),
      new ImageNode({ id_: 'missing', image: missing }),
      new ImageNode({ id_: 'green', image: images[1]!.path }),
    ];
    const progress: Array<[number, number]> = [];

    // The transform as IngestionPipeline calls it (its result is what the pipeline stores).
    const result = await settledEmbedding(nodes, {
      progressCallback: (done: number, total: number) => progress.push([done, total]),
    });

    expect(result.map((node) => node.id_)).toEqual([nodes[0]!.id_, 'red', 'green']);
    expect(result.map((node) => node.embedding)).toEqual([
      serverVector('a red bus'),
      ...(await runtimeVectors('jina-clip-v2', [
        { image: images[0]!.path },
        { image: images[1]!.path },
      ])),
    ]);
    expect(failures).toHaveLength(1);
    expect(failures[0]?.[0]).toBeInstanceOf(ImageLoadError);
    expect(failures[0]?.[0]).toMatchObject({ inputIndex: 1, reason: 'not-found' });
    expect(failures[0]?.[1]).toBe(nodes[2]);
    expect(progress.at(-1)).toEqual([4, 4]);
    // Without it, the same ingestion is all or nothing.
    await expect(embedding(nodes.map((node) => node))).rejects.toBeInstanceOf(ImageLoadError);
  });

  it('reports the token usage of each backend call (each modality of an ingestion, each query) to onUsage, as the runtime counts it', async () => {
    const usages: AdapterUsage[] = [];
    const embedding = apiEmbedding({
      model: 'jina-clip-v2',
      embedBatchSize: 2,
      onUsage: (usage) => usages.push(usage),
    });
    const texts = ['a red bus', 'a green field', 'oranges'];
    await embedding([
      ...texts.map((text) => new TextNode({ text })),
      new ImageNode({ id_: images[0]!.path, image: images[0]!.path }),
    ]);
    await embedding.getQueryEmbedding({ type: 'text', text: 'which bus?' });
    server.fail({ status: 400 });
    await expect(embedding.getTextEmbedding('fails')).rejects.toBeInstanceOf(ApiError);

    const runtime = createBackend({ ...loopbackApiOptions(server), model: 'jina-clip-v2' });
    onTestFinished(() => runtime.close());
    const expected = [];
    for (const [inputs, task] of [
      [texts, undefined],
      [[{ image: images[0]!.path }], undefined],
      [['which bus?'], 'retrieval.query'],
    ] as const) {
      expected.push((await runtime.embed(inputs, { task })).usage);
    }
    // Ingestion hands each modality over in one call: one report for the texts, one for the
    // images, one per query; the failed call reports nothing.
    expect(usages).toEqual(expected);
    expect(usages.every((usage) => usage.totalTokens > 0)).toBe(true);
  });

  it('keeps node order through concurrent requests and shuffled answers', async () => {
    const embedding = apiEmbedding({ embedBatchSize: 8, batchSize: 3, maxConcurrency: 3 });
    const nodes = Array.from(
      { length: 29 },
      (_, index) => new TextNode({ text: `passage ${index}`, metadata: { page: index } }),
    );
    // Early requests answer last, so they complete out of order.
    server.fail({ delayMs: 50 }, { delayMs: 25 });

    await embedding(nodes);

    // 29 nodes in one backend call: requests of 3, the last of 2, whatever embedBatchSize.
    expect(bodies().map((body) => body.input.length)).toEqual([3, 3, 3, 3, 3, 3, 3, 3, 3, 2]);
    expect(nodes.map((node) => node.embedding)).toEqual(
      nodes.map((node) => serverVector(node.getContent(MetadataMode.EMBED), 'jina-clip-v1')),
    );
  });

  it('retries in one layer only: a failing request is sent maxRetries + 1 times', async () => {
    const embedding = apiEmbedding({ maxRetries: 2 });
    server.fail(...Array.from({ length: 10 }, () => ({ status: 502 })));

    const call = embedding.getTextEmbeddings(['a red bus']);

    await expect(call).rejects.toBeInstanceOf(ApiError);
    await expect(call).rejects.toMatchObject({ status: 502, retryable: true });
    expect(server.requests).toHaveLength(3);
  });

  it('rejects with the reason of the signal given at construction, itself', async () => {
    const controller = new AbortController();
    const embedding = apiEmbedding({ signal: controller.signal });
    server.setLatency(10_000);

    const rejected = expect(embedding.getTextEmbedding('a red bus')).rejects.toBe(
      'index build cancelled',
    );
    while (server.inFlight < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort('index build cancelled');

    await rejected;
    await expect(embedding.getImageEmbedding(images[0]!.path)).rejects.toBe(
      'index build cancelled',
    );
    expect(server.requests).toHaveLength(1);
  });

  it('closes the backend it created', async () => {
    const embedding = apiEmbedding();
    await embedding.getTextEmbedding('a red bus');
    await embedding.close();

    await expect(embedding.getTextEmbedding('a red bus')).rejects.toBeInstanceOf(JinaClipError);
  });
});

describe('JinaClipEmbedding options', () => {
  it('keeps the API key out of everything enumerable or printed', async () => {
    const embedding = apiEmbedding({ apiKey: 'jina_secret_key_123' });
    await expect(embedding.getTextEmbedding('a red bus')).rejects.toBeInstanceOf(ApiError);

    expect(JSON.stringify({ ...embedding })).not.toContain('jina_secret_key_123');
    expect(inspect(embedding, { depth: 10, showHidden: true })).not.toContain(
      'jina_secret_key_123',
    );
  });

  it.each([
    [{ embedBatchSize: 0 }, 'embedBatchSize'],
    [{ embedBatchSize: 2.5 }, 'embedBatchSize'],
    [{ backend: 'onnx' }, 'backend'],
    [{ cacheDir: '/tmp/hf' }, 'cacheDir'],
    [{ model: 'jina-clip-v1', dimensions: 256 }, 'dimensions'],
  ])('rejects %j naming the field', (options, field) => {
    const create = () => new JinaClipEmbedding(options as JinaClipEmbeddingOptions);
    expect(create).toThrow(InvalidInputError);
    expect(create).toThrow(expect.objectContaining({ field }));
  });

  it("rejects another backend's options: at compile time, and at run time for JavaScript", () => {
    const construct = [
      // @ts-expect-error local options beside `backend: 'api'`.
      () => new JinaClipEmbedding({ backend: 'api', modelPath: '/x', dtype: 'q8' }),
      // @ts-expect-error an api option beside `backend: 'local'`.
      () => new JinaClipEmbedding({ backend: 'local', maxRetries: 1, embedBatchSize: 4 }),
    ];
    const fields = construct.map((create) => {
      try {
        create();
      } catch (error) {
        return error instanceof InvalidInputError ? error.field : error;
      }
      return 'no error';
    });
    expect(fields).toEqual(['dtype', 'maxRetries']); // the first one found
  });

  it('takes batchSize as the default embedBatchSize', () => {
    expect(apiEmbedding({ batchSize: 7 }).embedBatchSize).toBe(7);
    expect(apiEmbedding({ batchSize: 7, embedBatchSize: 21 }).embedBatchSize).toBe(21);
  });

  it('uses a given backend as it is and never closes it', async () => {
    const backend = createRecordingBackend({
      model: MODELS['jina-clip-v2'],
      vector: (_input, index) => [index, 2],
    });
    const embedding = new JinaClipEmbedding({ backend, embedBatchSize: 5, dimensions: 32 });

    expect(embedding.embedBatchSize).toBe(5);
    expect(await embedding.getTextEmbeddings(['a', 'b'])).toEqual([
      [0, 2],
      [1, 2],
    ]);
    expect(await embedding.getQueryEmbedding({ type: 'text', text: 'q' })).toEqual([0, 2]);
    await embedding.close();

    expect(backend.closed).toBe(false);
    expect(backend.calls).toEqual([
      { inputs: ['a', 'b'], options: { task: undefined, dimensions: 32, signal: undefined } },
      { inputs: ['q'], options: { task: 'retrieval.query', dimensions: 32, signal: undefined } },
    ]);
  });
});

describe('JinaClipEmbedding on the local backend', () => {
  it('returns what the local backend returns, documents and queries apart (v2)', async () => {
    const repo = await writeTinyModelRepo(await mkdtemp(join(tmpdir(), 'tiny-v2-')), {
      model: 'jina-clip-v2',
    });
    const options = { model: 'jina-clip-v2', modelPath: repo.directory };
    const embedding = new JinaClipEmbedding({ backend: 'local', ...options });
    const runtime = createLocalBackend(options);
    onTestFinished(() => embedding.close());
    onTestFinished(() => runtime.close());
    const image = images[2]!.path;

    const documents = await embedding.getTextEmbeddings(['a red bus', 'a green field']);
    const query = await embedding.getQueryEmbedding({ type: 'text', text: 'a red bus' });
    const imageVector = await embedding.getImageEmbedding(image);

    const expected = (await runtime.embed(['a red bus', 'a green field', { image }])).embeddings;
    const [expectedQuery] = (await runtime.embed(['a red bus'], { task: 'retrieval.query' }))
      .embeddings;
    expect(documents).toEqual(expected.slice(0, 2).map((vector) => Array.from(vector)));
    expect(imageVector).toEqual(Array.from(expected[2]!));
    expect(query).toEqual(Array.from(expectedQuery!));
    expect(query).not.toEqual(documents[0]);
  });
});

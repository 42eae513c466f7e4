import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import { Embeddings } from '@langchain/core/embeddings';
import {
  type AdapterApiOptions,
  type AdapterUsage,
  ApiError,
  BackendClosedError,
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
import { JinaClipEmbeddings, type JinaClipEmbeddingsParams } from './jina-clip-embeddings.js';

let server: JinaApiServer;
let images: TestImage[];

beforeAll(async () => {
  server = await startJinaApiServer();
  images = await writeTestImages({ red: [220, 30, 30], green: [30, 200, 60] });
});
afterEach(() => {
  server.reset();
  server.setLatency(0);
});
afterAll(() => server.close());

/** An adapter on the loopback server, closed after the test. */
function apiEmbeddings(params: AdapterApiOptions = {}): JinaClipEmbeddings {
  const embeddings = new JinaClipEmbeddings({ ...loopbackApiOptions(server), ...params });
  onTestFinished(() => embeddings.close());
  return embeddings;
}

/** The runtime's own api backend on the same server: what the adapter must return. */
const runtimeVectors = (model: string, inputs: EmbeddingInput[], options?: EmbedOptions) =>
  referenceEmbeddings({ ...loopbackApiOptions(server), model }, inputs, options);

/** The bodies the server received, in arrival order. */
function bodies(): Array<Record<string, unknown>> {
  return server.requests.map((request) => request.body as Record<string, unknown>);
}

/** Waits until the server holds `count` requests unanswered. */
async function untilInFlight(count: number): Promise<void> {
  while (server.inFlight < count) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('JinaClipEmbeddings on the api backend', () => {
  it('is a LangChain Embeddings whose AsyncCaller never retries', () => {
    const embeddings = apiEmbeddings();
    expect(embeddings).toBeInstanceOf(Embeddings);
    expect(embeddings.model).toBe('jina-clip-v1');
    expect((embeddings.caller as unknown as { maxRetries: number }).maxRetries).toBe(0);
  });

  it('embeds documents with no task and a query with the query task (v2)', async () => {
    const embeddings = apiEmbeddings({ model: 'jina-clip-v2' });
    const documents = await embeddings.embedDocuments(['a red bus', 'a green field']);
    const query = await embeddings.embedQuery('which bus is red?');

    expect(bodies()).toEqual([
      {
        model: 'jina-clip-v2',
        input: [{ text: 'a red bus' }, { text: 'a green field' }],
        normalized: true,
        embedding_type: 'base64',
      },
      {
        model: 'jina-clip-v2',
        input: [{ text: 'which bus is red?' }],
        normalized: true,
        embedding_type: 'base64',
        task: 'retrieval.query',
      },
    ]);
    // Plain number arrays, exactly the server's float32 values.
    expect(documents).toEqual([
      Array.from(expectedServerEmbedding('a red bus', 'jina-clip-v2')),
      Array.from(expectedServerEmbedding('a green field', 'jina-clip-v2')),
    ]);
    expect(Array.isArray(query)).toBe(true);
    expect(query).toEqual(
      Array.from(
        expectedServerEmbedding('which bus is red?', 'jina-clip-v2', undefined, {
          task: 'retrieval.query',
        }),
      ),
    );
    expect(documents).toEqual(await runtimeVectors('jina-clip-v2', ['a red bus', 'a green field']));
    expect([query]).toEqual(
      await runtimeVectors('jina-clip-v2', ['which bus is red?'], { task: 'retrieval.query' }),
    );
  });

  it('never sends a task for jina-clip-v1: a query is embedded as its document', async () => {
    const embeddings = apiEmbeddings({ model: 'jina-clip-v1' });
    const [document] = await embeddings.embedDocuments(['a red bus']);
    const query = await embeddings.embedQuery('a red bus');
    await embeddings.embedImageQuery('https://example.com/bus.jpg');

    expect(bodies().map((body) => 'task' in body)).toEqual([false, false, false]);
    expect(query).toEqual(document);
    expect(query).toEqual(Array.from(expectedServerEmbedding('a red bus', 'jina-clip-v1')));
  });

  it('asks for `dimensions` on every call and returns vectors that wide', async () => {
    const embeddings = apiEmbeddings({ model: 'jina-clip-v2', dimensions: 64 });
    const [document] = await embeddings.embedDocuments(['a red bus']);
    const query = await embeddings.embedQuery('a red bus');

    expect(bodies().map((body) => body.dimensions)).toEqual([64, 64]);
    expect(document).toEqual(Array.from(expectedServerEmbedding('a red bus', 'jina-clip-v2', 64)));
    expect(query).toHaveLength(64);
  });

  it("reports each successful call's token usage to onUsage, as the runtime counts it", async () => {
    const usages: AdapterUsage[] = [];
    const embeddings = apiEmbeddings({
      model: 'jina-clip-v2',
      onUsage: (usage) => usages.push(usage),
    });
    await embeddings.embedDocuments(['a red bus', 'a green field']);
    await embeddings.embedQuery('a red bus');
    await embeddings.embedImages([images[0]!.path]);
    server.fail({ status: 400 });
    await expect(embeddings.embedQuery('fails')).rejects.toBeInstanceOf(ApiError);

    const runtime = createBackend({ ...loopbackApiOptions(server), model: 'jina-clip-v2' });
    onTestFinished(() => runtime.close());
    const expected = [];
    for (const [inputs, task] of [
      [['a red bus', 'a green field'], undefined],
      [['a red bus'], 'retrieval.query'],
      [[{ image: images[0]!.path }], undefined],
    ] as const) {
      expected.push((await runtime.embed(inputs, { task })).usage);
    }
    // One report per successful call (the failed one reports nothing), each its own count.
    expect(usages).toEqual(expected);
    expect(usages.map((usage) => usage.totalTokens).every((tokens) => tokens > 0)).toBe(true);
    expect(usages[0]!.totalTokens).not.toBe(usages[1]!.totalTokens);
  });

  it('embeds images from every kind of source, as the runtime does', async () => {
    const embeddings = apiEmbeddings({ model: 'jina-clip-v2' });
    const red = images[0]!;
    const base64 = Buffer.from(red.bytes).toString('base64');
    const localSources = [
      red.path,
      pathToFileURL(red.path).href,
      pathToFileURL(red.path),
      `data:image/png;base64,${base64}`,
      red.bytes,
      red.bytes.slice().buffer,
      new Blob([red.bytes], { type: 'image/png' }),
    ];
    const remote = ['https://example.com/bus.jpg', new URL('https://example.com/bus.jpg')];

    const vectors = await embeddings.embedImages([...localSources, ...remote]);

    // One vector per source, in order: every local source is the same picture.
    const expected = await runtimeVectors('jina-clip-v2', [{ image: red.path }]);
    for (const vector of vectors.slice(0, localSources.length)) expect(vector).toEqual(expected[0]);
    // Remote URLs go to the service as URLs, and come back as the service's vector for them.
    const urlVector = Array.from(
      expectedServerEmbedding({ image: 'https://example.com/bus.jpg' }, 'jina-clip-v2'),
    );
    expect(vectors.slice(localSources.length)).toEqual([urlVector, urlVector]);
    const [body] = bodies();
    expect(body?.task).toBeUndefined();
    const wire = body?.input as Array<{ image: string }>;
    expect(wire.slice(localSources.length)).toEqual([
      { image: 'https://example.com/bus.jpg' },
      { image: 'https://example.com/bus.jpg' },
    ]);
    // The vector is the server's for the bytes actually sent.
    expect(vectors[0]).toEqual(Array.from(expectedServerEmbedding(wire[0]!, 'jina-clip-v2')));
  });

  it('embedImagesSettled keeps every good vector and gives the bad image its typed error', async () => {
    const usages: AdapterUsage[] = [];
    const embeddings = apiEmbeddings({
      model: 'jina-clip-v2',
      dimensions: 64,
      onUsage: (usage) => usages.push(usage),
    });
    const [red, green] = images as [TestImage, TestImage];
    const missing = `${red.path}.missing.png`;

    const outcomes = await embeddings.embedImagesSettled([red.path, missing, green.path]);
    // The good images went in one request, as documents (no task), at the asked width.
    const sent = bodies();
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ dimensions: 64 });
    expect(sent[0]?.task).toBeUndefined();
    expect(sent[0]?.input).toHaveLength(2);

    const expected = await runtimeVectors(
      'jina-clip-v2',
      [{ image: red.path }, { image: green.path }],
      { dimensions: 64 },
    );
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', embedding: expected[0] });
    expect(outcomes[2]).toEqual({ status: 'fulfilled', embedding: expected[1] });
    const bad = outcomes[1] as { status: 'rejected'; error: JinaClipError };
    expect(bad.error).toBeInstanceOf(ImageLoadError);
    expect(bad.error).toMatchObject({ inputIndex: 1, reason: 'not-found' });
    expect(usages).toHaveLength(1);
    expect(usages[0]?.totalTokens).toBeGreaterThan(0);
  });

  it('embedImagesSettled rejects as a whole only for the whole call: a closed backend', async () => {
    const embeddings = apiEmbeddings();
    await embeddings.close();
    await expect(embeddings.embedImagesSettled([images[0]!.path])).rejects.toBeInstanceOf(
      BackendClosedError,
    );
  });

  it('embeds an image query with the query task (v2), which leaves an image unchanged', async () => {
    const embeddings = apiEmbeddings({ model: 'jina-clip-v2' });
    const query = await embeddings.embedImageQuery(images[1]!.path);
    const [document] = await embeddings.embedImages([images[1]!.path]);

    expect(bodies().map((body) => body.task)).toEqual(['retrieval.query', undefined]);
    expect(query).toEqual(document);
  });

  it('keeps input order through small batches, concurrent requests and shuffled answers', async () => {
    const embeddings = apiEmbeddings({ model: 'jina-clip-v1', batchSize: 4, maxConcurrency: 3 });
    const texts = Array.from({ length: 45 }, (_, index) => `text number ${index}`);
    // Early batches answer last, so requests complete out of order.
    server.fail({ delayMs: 60 }, { delayMs: 40 }, { delayMs: 20 });

    const vectors = await embeddings.embedDocuments(texts);

    expect(server.requests).toHaveLength(12);
    expect(vectors).toEqual(
      texts.map((text) => Array.from(expectedServerEmbedding(text, 'jina-clip-v1'))),
    );
  });

  it('bounds requests in flight by maxConcurrency across concurrent calls', async () => {
    const embeddings = apiEmbeddings({ batchSize: 2, maxConcurrency: 2 });
    server.setLatency(20);
    const texts = Array.from({ length: 8 }, (_, index) => `text ${index}`);

    await Promise.all([embeddings.embedDocuments(texts), embeddings.embedDocuments(texts)]);

    expect(server.requests).toHaveLength(8);
    expect(server.peakInFlight).toBe(2);
  });

  it('retries in one layer only: a failing request is sent maxRetries + 1 times', async () => {
    const embeddings = apiEmbeddings({ maxRetries: 2 });
    server.fail(...Array.from({ length: 10 }, () => ({ status: 503 })));

    const call = embeddings.embedDocuments(['a red bus']);

    await expect(call).rejects.toBeInstanceOf(ApiError);
    await expect(call).rejects.toMatchObject({ status: 503, retryable: true });
    expect(server.requests).toHaveLength(3);
  });

  it('sends a request once with maxRetries 0, and recovers from a transient failure', async () => {
    const once = apiEmbeddings({ maxRetries: 0 });
    server.fail({ status: 500 });
    await expect(once.embedQuery('a red bus')).rejects.toMatchObject({ status: 500 });
    expect(server.requests).toHaveLength(1);

    server.reset();
    const retrying = apiEmbeddings({ maxRetries: 1 });
    server.fail({ status: 500 });
    expect(await retrying.embedQuery('a red bus')).toEqual(
      Array.from(expectedServerEmbedding('a red bus', 'jina-clip-v1')),
    );
    expect(server.requests).toHaveLength(2);
  });

  it('rejects with the per-call signal reason itself, even when it is not an Error', async () => {
    const embeddings = apiEmbeddings();
    server.setLatency(10_000);
    const controller = new AbortController();

    const call = embeddings.embedDocuments(['a red bus'], { signal: controller.signal });
    // Awaited once aborted; asserted from now on, so the rejection is never unhandled.
    const rejected = expect(call).rejects.toBe('stopped by the user');
    await untilInFlight(1);
    controller.abort('stopped by the user');

    await rejected;
    expect(server.requests).toHaveLength(1);
  });

  it('rejects every call with the reason of the signal given at construction', async () => {
    const controller = new AbortController();
    const embeddings = apiEmbeddings({ signal: controller.signal });
    server.setLatency(10_000);
    const reason = new Error('shutting down');

    const rejected = expect(embeddings.embedQuery('a red bus')).rejects.toBe(reason);
    await untilInFlight(1);
    controller.abort(reason);

    await rejected;
    // Already aborted: nothing more is sent.
    await expect(embeddings.embedImages([images[0]!.path])).rejects.toBe(reason);
    expect(server.requests).toHaveLength(1);
  });

  it('closes the backend it created', async () => {
    const embeddings = apiEmbeddings();
    await embeddings.embedQuery('a red bus');
    await embeddings.close();

    await expect(embeddings.embedQuery('a red bus')).rejects.toBeInstanceOf(JinaClipError);
  });

  it('passes errors through unchanged, with their class and fields', async () => {
    const embeddings = apiEmbeddings({ apiKey: 'jina_wrong_key' });
    const call = embeddings.embedQuery('a red bus');

    await expect(call).rejects.toBeInstanceOf(ApiError);
    await expect(call).rejects.toMatchObject({ name: 'AuthenticationError', status: 401 });
    await expect(call).rejects.toSatisfy(
      (error: Error) => !String(error.message).includes('jina_wrong_key'),
    );
    await expect(embeddings.embedDocuments(['fine', '   '])).rejects.toMatchObject({
      name: 'InvalidInputError',
      inputIndex: 1,
    });
  });
});

describe('JinaClipEmbeddings options', () => {
  it('keeps the API key out of everything enumerable or printed', async () => {
    const embeddings = apiEmbeddings({ apiKey: 'jina_secret_key_123' });
    await expect(embeddings.embedQuery('a red bus')).rejects.toBeInstanceOf(ApiError);

    expect(JSON.stringify(embeddings)).not.toContain('jina_secret_key_123');
    expect(inspect(embeddings, { depth: 10, showHidden: true })).not.toContain(
      'jina_secret_key_123',
    );
  });

  it("rejects another backend's options: at compile time, and at run time for JavaScript", () => {
    const construct = [
      // @ts-expect-error local options beside `backend: 'api'`.
      () => new JinaClipEmbeddings({ backend: 'api', modelPath: '/x', dtype: 'q8' }),
      // @ts-expect-error an api option beside `backend: 'local'`.
      () => new JinaClipEmbeddings({ backend: 'local', baseURL: 'http://127.0.0.1:1/v1' }),
    ];
    const fields = construct.map((create) => {
      try {
        create();
      } catch (error) {
        return error instanceof InvalidInputError ? error.field : error;
      }
      return 'no error';
    });
    expect(fields).toEqual(['dtype', 'baseURL']); // the first one found
  });

  it('names the argument that is not an array', async () => {
    const embeddings = apiEmbeddings();
    await expect(embeddings.embedDocuments('a red bus' as never)).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'texts',
    });
    await expect(embeddings.embedImages('bus.jpg' as never)).rejects.toMatchObject({
      name: 'InvalidInputError',
      field: 'images',
    });
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    [{ backend: 'gpu' }, 'backend'],
    [{ modelPath: '/models/clip' }, 'modelPath'],
    [{ backend: 'local', apiKey: 'jina_key' }, 'apiKey'],
    [{ backend: 'local', maxRetries: 3 }, 'maxRetries'],
    [{ model: 'jina-clip-v1', dimensions: 64 }, 'dimensions'],
    [{ model: 'jina-clip-v2', dimensions: 4096 }, 'dimensions'],
    [{ model: 'jina-clip-v9' }, 'model'],
    [{ batchSize: 0 }, 'batchSize'],
  ])('rejects %j naming the field', (params, field) => {
    const create = () => new JinaClipEmbeddings(params as JinaClipEmbeddingsParams);
    expect(create).toThrow(InvalidInputError);
    expect(create).toThrow(expect.objectContaining({ field }));
  });

  it('uses a given backend as it is, rejects options meant for another, never closes it', async () => {
    const backend = createRecordingBackend({
      model: MODELS['jina-clip-v2'],
      vector: (_input, index) => [index, 1, 2],
    });
    // @ts-expect-error your own backend configures itself: TypeScript says so, JavaScript throws.
    expect(() => new JinaClipEmbeddings({ backend, apiKey: 'jina_key' })).toThrow(
      InvalidInputError,
    );

    const embeddings = new JinaClipEmbeddings({ backend, dimensions: 64 });
    expect(embeddings.backend).toBe(backend);
    expect(await embeddings.embedDocuments(['a', 'b'])).toEqual([
      [0, 1, 2],
      [1, 1, 2],
    ]);
    expect(await embeddings.embedImageQuery(new Uint8Array([1]))).toEqual([0, 1, 2]);
    await embeddings.close();

    expect(backend.closed).toBe(false);
    expect(backend.calls).toEqual([
      { inputs: ['a', 'b'], options: { task: undefined, dimensions: 64, signal: undefined } },
      {
        inputs: [{ image: new Uint8Array([1]) }],
        options: { task: 'retrieval.query', dimensions: 64, signal: undefined },
      },
    ]);
  });
});

describe('JinaClipEmbeddings on the local backend', () => {
  it('returns what the local backend returns, documents and queries apart (v2)', async () => {
    const repo = await writeTinyModelRepo(await mkdtemp(join(tmpdir(), 'tiny-v2-')), {
      model: 'jina-clip-v2',
    });
    const embeddings = new JinaClipEmbeddings({
      backend: 'local',
      model: 'jina-clip-v2',
      modelPath: repo.directory,
    });
    onTestFinished(() => embeddings.close());
    const runtime = createLocalBackend({ modelPath: repo.directory, model: 'jina-clip-v2' });
    onTestFinished(() => runtime.close());
    const texts = ['a red bus', 'a green field', 'a bus'];
    const image = images[0]!.path;

    const documents = await embeddings.embedDocuments(texts);
    const query = await embeddings.embedQuery('a red bus');
    const [imageVector] = await embeddings.embedImages([image]);
    const imageQuery = await embeddings.embedImageQuery(image);

    const expected = (await runtime.embed([...texts, { image }])).embeddings.map((vector) =>
      Array.from(vector),
    );
    const [expectedQuery] = (
      await runtime.embed(['a red bus'], { task: 'retrieval.query' })
    ).embeddings.map((vector) => Array.from(vector));
    expect(documents).toEqual(expected.slice(0, 3));
    expect(imageVector).toEqual(expected[3]);
    expect(imageQuery).toEqual(expected[3]);
    expect(query).toEqual(expectedQuery);
    // The query instruction moves a v2 query away from the same text as a document.
    expect(query).not.toEqual(documents[0]);
    expect(documents[0]).toHaveLength(repo.width);
  });
});

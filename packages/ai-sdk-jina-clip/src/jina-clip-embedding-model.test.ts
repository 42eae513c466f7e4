import { APICallError, InvalidArgumentError } from '@ai-sdk/provider';
import { embed, embedMany } from 'ai';
import {
  ApiError,
  createBackend,
  type EmbeddingInput,
  type EmbedOptions,
  InvalidInputError,
  JinaClipError,
} from 'jina-clip-runtime';
import {
  expectedServerEmbedding,
  type JinaApiServer,
  loopbackApiOptions,
  referenceEmbeddings,
  startJinaApiServer,
  type TestImage,
  writeTestImages,
} from 'jina-clip-runtime/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createJinaClip, type JinaClipProviderSettings } from './jina-clip-provider.js';

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

/** A provider on the loopback server, closed after the test. */
function apiProvider(settings: JinaClipProviderSettings = {}) {
  const provider = createJinaClip({
    ...loopbackApiOptions(server),
    ...settings,
  } as JinaClipProviderSettings);
  onTestFinished(() => provider.close());
  return provider;
}

/** The runtime's own api backend on the same server: what the provider must return. */
const runtimeVectors = (model: string, inputs: EmbeddingInput[], options?: EmbedOptions) =>
  referenceEmbeddings({ ...loopbackApiOptions(server), model }, inputs, options);

/** The bodies the server received, in arrival order. */
function bodies(): Array<Record<string, unknown>> {
  return server.requests.map((request) => request.body as Record<string, unknown>);
}

describe('JinaClipEmbeddingModel on the api backend, through embed and embedMany', () => {
  it('embeds texts as the runtime does, with its usage, in batches of batchSize', async () => {
    const model = apiProvider().embeddingModel('jina-clip-v2');
    const values = Array.from({ length: 70 }, (_, index) => `caption number ${index}`);

    const result = await embedMany({ model, values });

    // 70 values: three requests of at most 32 (the runtime's default batchSize), documents.
    const sent = bodies();
    expect(sent.map((body) => (body.input as unknown[]).length).sort()).toEqual([32, 32, 6]);
    expect(sent[0]).not.toHaveProperty('task');
    const runtime = createBackend({ ...loopbackApiOptions(server), model: 'jina-clip-v2' });
    onTestFinished(() => runtime.close());
    const reference = await runtime.embed(values);
    expect(result.embeddings).toEqual(reference.embeddings.map((vector) => Array.from(vector)));
    expect(result.usage.tokens).toBe(reference.usage.totalTokens);
    expect(result.usage.tokens).toBeGreaterThan(0);
  });

  it('mixes texts and images in one embedMany call, per value in providerOptions.jinaClip.content', async () => {
    const [red, green] = images;
    const model = apiProvider().embeddingModel('jina-clip-v2');

    const result = await embedMany({
      model,
      values: ['a red square', 'red.png', 'a green square', 'green'],
      providerOptions: {
        jinaClip: { content: [null, { image: red!.path }, null, { image: green!.path }] },
      },
    });

    const inputs: EmbeddingInput[] = [
      'a red square',
      { image: red!.path },
      'a green square',
      { image: green!.path },
    ];
    expect(result.embeddings).toEqual(await runtimeVectors('jina-clip-v2', inputs));
    const [body] = bodies();
    const input = body!.input as Array<Record<string, unknown>>;
    expect(input[0]).toEqual({ text: 'a red square' });
    expect(input[1]).toHaveProperty('image');
    expect(input[2]).toEqual({ text: 'a green square' });
    expect(result.usage.tokens).toBeGreaterThan(0);
  });

  it('keeps content aligned when embedMany splits the values into several calls', async () => {
    const [red] = images;
    const model = apiProvider({ batchSize: 2 }).embeddingModel('jina-clip-v1');
    expect(model.maxEmbeddingsPerCall).toBe(2);
    const values = ['t0', 't1', 't2', 'red', 't4'];
    const content = [null, null, null, { image: red!.bytes }, null];

    const result = await embedMany({
      model,
      values,
      // Bytes are no JSON value: the SDK passes them through untouched.
      providerOptions: { jinaClip: { content } } as never,
    });

    expect(result.embeddings).toEqual(
      await runtimeVectors('jina-clip-v1', ['t0', 't1', 't2', { image: red!.bytes }, 't4']),
    );
    expect(result.responses).toHaveLength(3);
  });

  it('embeds one image with embed', async () => {
    const [red] = images;
    const model = apiProvider().embeddingModel('jina-clip-v1');
    const { embedding, usage } = await embed({
      model,
      value: 'red.png',
      providerOptions: { jinaClip: { content: [{ image: red!.path }] } },
    });
    expect(embedding).toEqual((await runtimeVectors('jina-clip-v1', [{ image: red!.path }]))[0]);
    expect(usage.tokens).toBeGreaterThan(0);
  });

  it('rejects content that does not match the values, before any request', async () => {
    const model = apiProvider().embeddingModel('jina-clip-v1');
    const tooShort = embedMany({
      model,
      values: ['a', 'b'],
      providerOptions: { jinaClip: { content: [null] } },
      maxRetries: 0,
    });
    await expect(tooShort).rejects.toBeInstanceOf(InvalidInputError);
    await expect(tooShort).rejects.toMatchObject({ field: 'providerOptions.jinaClip.content' });
    const misspelt = embed({
      model,
      value: 'a',
      providerOptions: { jinaClip: { content: [{ img: 'cat.jpg' }] } },
    });
    await expect(misspelt).rejects.toSatisfy(InvalidArgumentError.isInstance);
    const wrongTask = embed({
      model,
      value: 'a',
      providerOptions: { jinaClip: { task: 'query' } },
    });
    await expect(wrongTask).rejects.toSatisfy(InvalidArgumentError.isInstance);
    expect(server.requests).toHaveLength(0);
  });

  it('names a bad image source with its input index, as the runtime does', async () => {
    const model = apiProvider().embeddingModel('jina-clip-v1');
    const call = embedMany({
      model,
      values: ['a', 'missing'],
      providerOptions: { jinaClip: { content: [null, { image: '/no/such/image.png' }] } },
    });
    await expect(call).rejects.toBeInstanceOf(JinaClipError);
    await expect(call).rejects.toMatchObject({ name: 'ImageLoadError', inputIndex: 1 });
    expect(server.requests).toHaveLength(0);
  });

  it('asks for Matryoshka dimensions on v2 and rejects them on v1 before any request', async () => {
    const v2 = apiProvider().embeddingModel('jina-clip-v2');
    const result = await embedMany({ model: v2, values: ['a red bus'], dimensions: 64 });
    expect(result.embeddings[0]).toHaveLength(64);
    expect(bodies()[0]).toMatchObject({ dimensions: 64 });
    expect(result.embeddings).toEqual(
      await runtimeVectors('jina-clip-v2', ['a red bus'], { dimensions: 64 }),
    );
    expect(result.providerMetadata).toEqual({
      jinaClip: { model: 'jina-clip-v2', dimensions: 64 },
    });
    server.reset();

    const v1 = apiProvider().embeddingModel('jina-clip-v1');
    const call = embed({ model: v1, value: 'a red bus', dimensions: 64 });
    await expect(call).rejects.toBeInstanceOf(InvalidInputError);
    await expect(call).rejects.toMatchObject({ field: 'dimensions' });
    expect(server.requests).toHaveLength(0);
  });

  it('applies the provider dimensions unless the call gives its own', async () => {
    const model = apiProvider({ dimensions: 128 }).embeddingModel('jina-clip-v2');
    expect((await embed({ model, value: 'x' })).embedding).toHaveLength(128);
    expect((await embed({ model, value: 'x', dimensions: 32 })).embedding).toHaveLength(32);
  });

  it('embeds queries with the query task: queryModel, or providerOptions.jinaClip.task', async () => {
    const provider = apiProvider();
    await embed({ model: provider.queryModel('jina-clip-v2'), value: 'red buses' });
    await embed({
      model: provider.embeddingModel('jina-clip-v2'),
      value: 'red buses',
      providerOptions: { jinaClip: { task: 'retrieval.query' } },
    });
    await embed({ model: provider.embeddingModel('jina-clip-v2'), value: 'red buses' });
    // v1 has no tasks: nothing on the wire.
    await embed({ model: provider.queryModel('jina-clip-v1'), value: 'red buses' });
    const sent = bodies();
    expect(sent[0]).toMatchObject({ task: 'retrieval.query' });
    expect(sent[1]).toMatchObject({ task: 'retrieval.query' });
    expect(sent[2]).not.toHaveProperty('task');
    expect(sent[3]).not.toHaveProperty('task');
  });

  it('sends the call headers (not the SDK user-agent) and returns the response headers', async () => {
    const model = apiProvider({ headers: { 'x-team': 'search' } }).embeddingModel('jina-clip-v1');
    const result = await embedMany({
      model,
      values: ['a', 'b'],
      headers: { 'x-trace': 'abc' },
    });
    const [request] = server.requests;
    expect(request!.headers).toMatchObject({ 'x-trace': 'abc', 'x-team': 'search' });
    expect(request!.headers['user-agent']).toMatch(/^jina-clip-runtime\//);
    expect(result.responses?.[0]?.headers).toMatchObject({ 'content-type': 'application/json' });
  });

  it('reads the key from JINA_API_KEY at the first request', async () => {
    const saved = process.env.JINA_API_KEY;
    process.env.JINA_API_KEY = server.apiKey;
    onTestFinished(() => {
      if (saved === undefined) delete process.env.JINA_API_KEY;
      else process.env.JINA_API_KEY = saved;
    });
    const { apiKey: _unused, ...withoutKey } = loopbackApiOptions(server);
    const provider = createJinaClip(withoutKey);
    onTestFinished(() => provider.close());
    const { embedding } = await embed({ model: provider('jina-clip-v1'), value: 'a red bus' });
    expect(embedding).toEqual(Array.from(expectedServerEmbedding('a red bus', 'jina-clip-v1')));
  });

  it('retries in one layer: a 503 is sent maxRetries + 1 times, never again by embedMany', async () => {
    server.fail(...Array.from({ length: 20 }, () => ({ status: 503 })));
    const model = apiProvider({ maxRetries: 2 }).embeddingModel('jina-clip-v1');

    // embedMany's own maxRetries (2 by default) retries only APICallErrors marked retryable.
    const call = embedMany({ model, values: ['a red bus'] });

    await expect(call).rejects.toBeInstanceOf(ApiError);
    await expect(call).rejects.toMatchObject({ status: 503, retryable: true });
    await expect(call).rejects.not.toSatisfy(APICallError.isInstance);
    expect(server.requests).toHaveLength(3);

    server.reset();
    server.fail(...Array.from({ length: 20 }, () => ({ status: 503 })));
    const once = apiProvider({ maxRetries: 0 }).embeddingModel('jina-clip-v1');
    await expect(embed({ model: once, value: 'a', maxRetries: 5 })).rejects.toMatchObject({
      status: 503,
    });
    expect(server.requests).toHaveLength(1);
  });

  it('runs embedMany calls in parallel within the backend maxConcurrency', async () => {
    server.setLatency(20);
    const model = apiProvider({ batchSize: 4, maxConcurrency: 3 }).embeddingModel('jina-clip-v1');
    const values = Array.from({ length: 40 }, (_, index) => `text ${index}`);
    const result = await embedMany({ model, values });
    expect(result.embeddings).toHaveLength(40);
    expect(server.requests).toHaveLength(10);
    expect(server.peakInFlight).toBe(3);
  });

  it('starts every chunk of a large embedMany at once without a listener-leak warning', async () => {
    const model = apiProvider({ batchSize: 1 }).embeddingModel('jina-clip-v1');
    const values = Array.from({ length: 30 }, (_, index) => `text ${index}`);
    const warnings: Error[] = [];
    const listener = (warning: Error) => warnings.push(warning);
    process.on('warning', listener);
    onTestFinished(() => {
      process.off('warning', listener);
    });
    const result = await embedMany({ model, values });
    await new Promise((resolve) => setImmediate(resolve));
    expect(result.embeddings).toHaveLength(30);
    expect(result.responses).toHaveLength(30);
    expect(warnings.map((warning) => warning.name)).not.toContain('MaxListenersExceededWarning');
  });

  it("rejects with the abort signal's own reason", async () => {
    const model = apiProvider().embeddingModel('jina-clip-v1');
    const reason = new Error('user left');
    const aborted = embed({ model, value: 'a', abortSignal: AbortSignal.abort(reason) });
    await expect(aborted).rejects.toBe(reason);
    expect(server.requests).toHaveLength(0);

    server.setLatency(10_000);
    const controller = new AbortController();
    const pending = embedMany({ model, values: ['a', 'b'], abortSignal: controller.signal });
    while (server.inFlight < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});

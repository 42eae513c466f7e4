/**
 * Runs every TypeScript sample of README.md offline (loopback Jina API server, loopback Hub, tiny
 * model repos), and checks that the README still says what this file runs, so it cannot rot.
 *
 * Each sample sits between `// #region readme` and `// #endregion`. Lines marked `// test-only`
 * point it at the loopback servers and are left out of the comparison; README import lines are
 * checked against this file's imports (`jina-clip-runtime` is `./index.js`, `/local` is
 * `./local.js`, `/testing` is `./testing.js`), so each name is proven exported from its entry.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { API_BACKEND_OPTION_NAMES } from './api/api-backend-option-names.js';
import type { ApiBackendOptions } from './api/api-backend-options.js';
import { API_DEFAULTS, DEFAULT_BASE_URL } from './api/resolve-api-config.js';
import * as errorClasses from './errors/index.js';
import {
  ApiError,
  AuthenticationError,
  createApiBackend,
  createBackend,
  type EmbeddingBackend,
  type EmbeddingInput,
  embedSettled,
  ImageLoadError,
  InvalidInputError,
  JinaClipError,
  MODELS,
  ModelLoadError,
  RateLimitError,
  TimeoutError,
} from './index.js';
import { IMAGE_SOURCE_DEFAULTS, IMAGE_SOURCE_OPTION_NAMES } from './inputs/image-source-options.js';
import { LOCAL_BACKEND_OPTION_NAMES } from './local/local-backend-option-names.js';
import { DEFAULT_LOCAL_BATCH_SIZE } from './local/resolve-local-config.js';
import { createLocalBackend } from './local.js';
import { textTokens } from './testing/jina-api-server-usage.js';
import {
  expectedServerEmbedding,
  expectedTinyEmbedding,
  type JinaApiServer,
  startHubServer,
  startJinaApiServer,
  type TinyModelRepo,
  writeTinyModelRepo,
} from './testing.js';

const README_PATH = fileURLToPath(new URL('../README.md', import.meta.url));
const SELF_PATH = fileURLToPath(import.meta.url);

/** The package entries README imports name, and the files this test imports them from. */
const ENTRY_FILES: Readonly<Record<string, string>> = {
  'jina-clip-runtime': './index.js',
  'jina-clip-runtime/local': './local.js',
  'jina-clip-runtime/testing': './testing.js',
};

/** Every option of each backend, in README table order; tsc fails when one is missing. */
const API_OPTIONS = API_BACKEND_OPTION_NAMES;
const LOCAL_OPTIONS = LOCAL_BACKEND_OPTION_NAMES;

/** Code without whitespace and trailing commas: layout may differ, content may not. */
function normaliseCode(code: string): string {
  return code.replace(/\s+/g, '').replace(/,([}\])])/g, '$1');
}

/** `[name, module]` of every named import of `source` (`type` markers dropped). */
function namedImports(source: string): [string, string][] {
  const imports: [string, string][] = [];
  for (const match of source.matchAll(/^import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'([^']+)';/gm)) {
    for (const name of match[1]!.split(',')) {
      const trimmed = name.replace(/^\s*type\s+/, '').trim();
      if (trimmed !== '') imports.push([trimmed, match[2]!]);
    }
  }
  return imports;
}

function readmeSection(readme: string, heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  expect(start, `README section "${heading}"`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** First cells (the `code` names) of a section's table rows. */
function tableNames(section: string): string[] {
  return [...section.matchAll(/^\| `([^`]+)` +\|/gm)].map((match) => match[1]!);
}

/** The table row of `name`, with the padding of aligned columns collapsed to one space. */
function tableRow(section: string, name: string): string {
  const row = section
    .split('\n')
    .map((line) => line.replace(/ {2,}/g, ' '))
    .find((line) => line.startsWith(`| \`${name}\` |`));
  expect(row, `table row ${name}`).toBeDefined();
  return row!;
}

function norm(vector: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < vector.length; i++) sum += vector[i]! ** 2;
  return Math.sqrt(sum);
}

function normalised(vector: Float32Array): number[] {
  const length = norm(vector);
  return Array.from(vector, (value) => value / length);
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

const ENVIRONMENT = ['JINA_API_KEY', 'HF_HUB_CACHE', 'HF_ENDPOINT', 'HF_HUB_OFFLINE', 'TMPDIR'];
const savedEnvironment = Object.fromEntries(ENVIRONMENT.map((name) => [name, process.env[name]]));
const savedDirectory = process.cwd();

let root: string;
let api: JinaApiServer;
let v1: TinyModelRepo;
let v2: TinyModelRepo;
/** The JPEG the samples read as `./photos/cat.jpg` (1200 x 800). */
let photo: Buffer;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'readme-examples-'));
  [api, v1, v2] = await Promise.all([
    startJinaApiServer(),
    writeTinyModelRepo(join(root, 'tiny-v1'), { model: 'jina-clip-v1', maxTokens: 8 }),
    writeTinyModelRepo(join(root, 'tiny-v2'), { model: 'jina-clip-v2' }),
  ]);
  const [width, height] = [1200, 800];
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7 + Math.floor(i / 3600) * 13) % 256;
  photo = await sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg()
    .toBuffer();
  await mkdir(join(root, 'app', 'photos'), { recursive: true });
  await writeFile(join(root, 'app', 'photos', 'cat.jpg'), photo);
  // The samples read `./photos/cat.jpg`, as an application run from its folder would.
  process.chdir(join(root, 'app'));
  process.env.JINA_API_KEY = api.apiKey;
  // Safety net: a sample that reached for the Hub would find the loopback one, never the network.
  process.env.HF_ENDPOINT = 'http://127.0.0.1:9';
  process.env.HF_HUB_CACHE = join(root, 'hf-cache-unused');
  delete process.env.HF_HUB_OFFLINE;
});

afterAll(async () => {
  process.chdir(savedDirectory);
  for (const [name, value] of Object.entries(savedEnvironment)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await api.close();
  await rm(root, { recursive: true, force: true });
});

describe('README.md', () => {
  it('shows exactly the samples this file runs, importing each name from its entry', async () => {
    const [readme, self] = await Promise.all([
      readFile(README_PATH, 'utf8'),
      readFile(SELF_PATH, 'utf8'),
    ]);
    const regions = [
      ...self.matchAll(/^[ \t]*\/\/ #region readme\n([\s\S]*?)\n[ \t]*\/\/ #endregion$/gm),
    ].map((match) =>
      normaliseCode(
        match[1]!
          .split('\n')
          .filter((line) => !line.includes('// test-only'))
          .join('\n'),
      ),
    );
    const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
    expect(blocks.length).toBeGreaterThan(0);
    const selfImports = new Set(namedImports(self).map(([name, from]) => `${name} from ${from}`));
    const shown = new Set<string>();
    for (const block of blocks) {
      for (const [name, from] of namedImports(block)) {
        expect(selfImports, `README imports ${name} from '${from}'`).toContain(
          `${name} from ${ENTRY_FILES[from] ?? from}`,
        );
      }
      const body = normaliseCode(block.replace(/^import[\s\S]*?from\s+'[^']+';$/gm, ''));
      expect(regions, `README sample:\n${block}`).toContain(body);
      shown.add(body);
    }
    // And no sample here is missing from the README.
    expect(regions.filter((region) => !shown.has(region))).toEqual([]);
  });

  it('lists every option of both backends, with the defaults the code applies', async () => {
    const readme = await readFile(README_PATH, 'utf8');
    const apiSection = readmeSection(readme, '`ApiBackendOptions`');
    expect(tableNames(apiSection)).toEqual(API_OPTIONS);
    for (const name of [
      'batchSize',
      'maxConcurrency',
      'maxRetries',
      'rateLimitTimeout',
      'timeout',
      'maxResponseBytes',
    ] as const) {
      expect(tableRow(apiSection, name)).toContain(`| \`${API_DEFAULTS[name]}\``);
    }
    expect(tableRow(apiSection, 'baseURL')).toContain(`\`'${DEFAULT_BASE_URL}'\``);
    expect(tableRow(apiSection, 'backoff')).toContain(
      `\`{ initialDelayMs: ${API_DEFAULTS.initialDelayMs}, maxDelayMs: ${API_DEFAULTS.maxDelayMs} }\``,
    );
    const localSection = readmeSection(readme, '`LocalBackendOptions`');
    expect(tableNames(localSection)).toEqual(LOCAL_OPTIONS);
    expect(tableRow(localSection, 'batchSize')).toContain(`| \`${DEFAULT_LOCAL_BATCH_SIZE}\``);
    for (const section of [apiSection, localSection]) {
      for (const name of IMAGE_SOURCE_OPTION_NAMES.filter((name) => name !== 'imageFileRoot')) {
        expect(tableRow(section, name)).toContain(`| \`${IMAGE_SOURCE_DEFAULTS[name]}\``);
      }
    }
  });

  it('lists every model of MODELS with its facts', async () => {
    const section = readmeSection(await readFile(README_PATH, 'utf8'), 'Models');
    expect(tableNames(section)).toEqual(Object.keys(MODELS));
    for (const model of Object.values(MODELS)) {
      const matryoshka = model.matryoshkaDimensions.join(', ') || '—';
      const tasks = model.tasks.map((task) => `\`${task}\``).join(', ') || '—';
      const parameters = model.apiParameters.map((name) => `\`${name}\``).join(', ');
      expect(tableRow(section, model.id)).toBe(
        `| \`${model.id}\` | ${model.dimensions} | ${matryoshka} | ${model.imageSize} px | ${model.maxTokens} | ${tasks} | ${parameters} | ${model.imageTokensPerTile} | \`${model.repo}\` |`,
      );
    }
    expect(section).toContain(`\`'${MODELS['jina-clip-v2'].queryInstruction}'\``);
  });

  it('lists every error class', async () => {
    const section = readmeSection(await readFile(README_PATH, 'utf8'), 'Errors');
    const classes = Object.entries(errorClasses)
      .filter(([, value]) => typeof value === 'function' && value.prototype instanceof Error)
      .map(([name]) => name);
    expect(new Set(tableNames(section))).toEqual(new Set(classes));
  });
});

describe('README samples', () => {
  it('api quick start: texts, an image URL and a local file in one call', async () => {
    api.reset();
    // #region readme
    const backend = createApiBackend({
      model: 'jina-clip-v2',
      baseURL: api.url, // test-only
    }); // the key comes from JINA_API_KEY
    const { embeddings, usage } = await backend.embed([
      'A cat sleeping on a sofa',
      { image: 'https://example.com/cat.jpg' }, // the service fetches URLs
      { image: './photos/cat.jpg' }, // local images are resized to 512 px, then uploaded
    ]);
    await backend.close();
    // #endregion
    expect(embeddings).toHaveLength(3);
    expect(embeddings[0]).toEqual(
      expectedServerEmbedding('A cat sleeping on a sofa', 'jina-clip-v2'),
    );
    expect(embeddings[1]).toEqual(
      expectedServerEmbedding({ image: 'https://example.com/cat.jpg' }, 'jina-clip-v2'),
    );
    const body = api.requests[0]?.body as { input: { image?: string }[] };
    expect(body.input[1]).toEqual({ image: 'https://example.com/cat.jpg' });
    const uploaded = await sharp(Buffer.from(body.input[2]!.image!, 'base64')).metadata();
    expect([uploaded.format, uploaded.width, uploaded.height]).toEqual(['webp', 512, 512]);
    // One 512 px tile for the URL, one for the resized photo, and the text.
    expect(usage.totalTokens).toBe(textTokens('A cat sleeping on a sofa') + 4000 + 4000);
  });

  it('local quick start: the tiny v2 repo standing in for the Hub download', async () => {
    // #region readme
    const backend = createLocalBackend({
      model: 'jina-clip-v2',
      modelPath: v2.directory, // test-only
    }); // downloaded from the Hugging Face Hub on first use, then cached
    const documents = await backend.embed([
      'A cat sleeping on a sofa',
      { image: './photos/cat.jpg' },
    ]);
    const query = await backend.embed(['sleepy cat'], { task: 'retrieval.query' });
    await backend.close();
    // #endregion
    expect(backend.model.dimensions).toBe(v2.width);
    for (const vector of [...documents.embeddings, ...query.embeddings]) {
      expect(vector).toHaveLength(v2.width);
      expect(Math.abs(norm(vector) - 1)).toBeLessThanOrEqual(1e-5);
    }
    expect(documents.usage.totalTokens).toBeGreaterThan(0);
  });

  it('createBackend picks the api with a key, else the local model', async () => {
    const vectors: Float32Array[] = [];
    for (const key of [api.apiKey, undefined]) {
      if (key === undefined) delete process.env.JINA_API_KEY;
      // #region readme
      // The hosted API when a key is set, else the local model (onnxruntime-node loads only then).
      const backend = createBackend(
        process.env.JINA_API_KEY
          ? {
              backend: 'api',
              model: 'jina-clip-v2',
              baseURL: api.url, // test-only
            }
          : {
              backend: 'local',
              model: 'jina-clip-v2',
              modelPath: v2.directory, // test-only
            },
      );
      const { embeddings } = await backend.embed(['A cat sleeping on a sofa']);
      await backend.close();
      // #endregion
      vectors.push(embeddings[0]!);
    }
    process.env.JINA_API_KEY = api.apiKey;
    expect(vectors[0]).toEqual(expectedServerEmbedding('A cat sleeping on a sofa', 'jina-clip-v2'));
    expect(vectors[1]).toHaveLength(v2.width);
  });

  it('embedSettled: a bad file is reported and skipped, the good vectors kept', async () => {
    api.reset();
    await writeFile('./photos/broken.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]));
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    // #region readme
    const backend = createApiBackend({
      model: 'jina-clip-v2',
      baseURL: api.url, // test-only
    });
    const kept: Float32Array[] = [];
    const { results } = await embedSettled(backend, [
      'A cat sleeping on a sofa',
      { image: './photos/broken.jpg' }, // a corrupt file: rejected alone, with its index
      { image: './photos/cat.jpg' },
    ]);
    for (const [index, result] of results.entries()) {
      if (result.status === 'fulfilled') kept.push(result.embedding);
      else console.warn(`skipped input ${index}: ${result.error.name}: ${result.error.message}`);
    }
    // #endregion
    await backend.close();
    expect(kept).toHaveLength(2);
    expect(kept[0]).toEqual(expectedServerEmbedding('A cat sleeping on a sofa', 'jina-clip-v2'));
    expect(warn).toHaveBeenCalledWith(
      expect.stringMatching(/^skipped input 1: ImageLoadError: Input 1: /),
    );
    warn.mockRestore();
  });

  it('inputs: every ImageSource kind resolves to the same upload', async () => {
    api.reset();
    // #region readme
    const backend = createApiBackend({
      model: 'jina-clip-v2',
      baseURL: api.url, // test-only
    });
    const bytes = await readFile('./photos/cat.jpg');
    const inputs: EmbeddingInput[] = [
      'a bare string is text',
      { text: 'a bare string is text' }, // the same input
      { image: 'https://example.com/cat.jpg' }, // http(s) URL
      { image: `data:image/jpeg;base64,${bytes.toString('base64')}` }, // data: URI
      { image: pathToFileURL('./photos/cat.jpg').href }, // file: URL string
      { image: pathToFileURL('./photos/cat.jpg') }, // URL object
      { image: './photos/cat.jpg' }, // filesystem path
      { image: bytes }, // Buffer / Uint8Array
      { image: new Uint8Array(bytes).buffer }, // ArrayBuffer
      { image: new Blob([bytes], { type: 'image/jpeg' }) }, // Blob
    ];
    const { embeddings } = await backend.embed(inputs); // one vector per input, in input order
    // #endregion
    await backend.close();
    expect(bytes.equals(photo)).toBe(true);
    expect(embeddings).toHaveLength(inputs.length);
    expect(embeddings[0]).toEqual(expectedServerEmbedding('a bare string is text', 'jina-clip-v2'));
    expect(embeddings[1]).toEqual(embeddings[0]);
    expect(embeddings[2]).toEqual(
      expectedServerEmbedding({ image: 'https://example.com/cat.jpg' }, 'jina-clip-v2'),
    );
    // Every local kind is the same JPEG: the same pixels, the same upload, the same vector.
    for (const vector of embeddings.slice(4)) expect(vector).toEqual(embeddings[3]);
    expect(embeddings[3]).not.toEqual(embeddings[2]);
  });

  it('embed options: task, dimensions, signal and onProgress', async () => {
    api.reset();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      // #region readme
      const backend = createApiBackend({
        model: 'jina-clip-v2',
        baseURL: api.url, // test-only
      });
      onTestFinished(() => backend.close()); // test-only
      const controller = new AbortController(); // controller.abort(reason) rejects with `reason`
      const { embeddings } = await backend.embed(['sleepy cat'], {
        task: 'retrieval.query', // v2: queries get the query instruction; omit it for documents
        dimensions: 256, // v2 Matryoshka: truncated to 256, then renormalised
        signal: controller.signal,
        onProgress: (done, total) => console.log(`${done}/${total} inputs embedded`),
      });
      // #endregion
      expect(embeddings[0]).toEqual(
        expectedServerEmbedding('sleepy cat', 'jina-clip-v2', 256, { task: 'retrieval.query' }),
      );
      expect(api.requests[0]?.body).toMatchObject({ task: 'retrieval.query', dimensions: 256 });
      expect(log.mock.calls).toEqual([['1/1 inputs embedded']]);
    } finally {
      log.mockRestore();
    }
  });

  it('errors: each class, with the fields a caller branches on', async () => {
    // #region readme
    function describeFailure(error: unknown, signal?: AbortSignal): string {
      if (signal?.aborted && error === signal.reason) return 'cancelled'; // the reason, unwrapped
      if (RateLimitError.isInstance(error)) return `rate limited: wait ${error.retryAfterMs} ms`;
      if (AuthenticationError.isInstance(error)) return `check the key (${error.status})`;
      if (ApiError.isInstance(error)) {
        const { status, code, detail, requestId, retryable } = error;
        return `API ${status} ${code}: ${detail} (request ${requestId}, retryable: ${retryable})`;
      }
      if (TimeoutError.isInstance(error)) return `no answer within ${error.timeoutMs} ms`;
      if (InvalidInputError.isInstance(error)) {
        return `invalid ${error.field === undefined ? `input ${error.inputIndex}` : error.field}`;
      }
      if (ImageLoadError.isInstance(error)) return `unreadable image at input ${error.inputIndex}`;
      if (ModelLoadError.isInstance(error)) return error.message; // names the file or package
      if (JinaClipError.isInstance(error)) return error.message;
      throw error;
    }
    // #endregion
    const failure = async (
      backend: EmbeddingBackend,
      inputs: EmbeddingInput[],
      signal?: AbortSignal,
    ) => {
      try {
        await backend.embed(inputs, { signal });
      } catch (error) {
        return describeFailure(error, signal);
      } finally {
        await backend.close();
      }
      throw new Error('expected embed to fail');
    };
    const apiBackend = (options: ApiBackendOptions = {}) =>
      createApiBackend({ baseURL: api.url, maxRetries: 0, ...options });

    const controller = new AbortController();
    api.setLatency(5_000);
    const cancelled = failure(apiBackend(), ['sleepy cat'], controller.signal);
    setTimeout(() => controller.abort(new Error('user cancelled')), 20);
    expect(await cancelled).toBe('cancelled');
    api.setLatency(0);

    api.fail({ status: 429, retryAfterMs: '1500' });
    expect(await failure(apiBackend({ rateLimitTimeout: 0 }), ['sleepy cat'])).toBe(
      'rate limited: wait 1500 ms',
    );
    expect(await failure(apiBackend({ apiKey: 'jina_wrong' }), ['sleepy cat'])).toBe(
      'check the key (401)',
    );
    api.fail({
      status: 400,
      body: { detail: 'Bad request', code: 'BAD_REQUEST', request_id: 'req-1' },
    });
    expect(await failure(apiBackend(), ['sleepy cat'])).toBe(
      'API 400 BAD_REQUEST: Bad request (request req-1, retryable: false)',
    );
    api.setLatency(2_000);
    expect(await failure(apiBackend({ timeout: 50 }), ['sleepy cat'])).toBe(
      'no answer within 50 ms',
    );
    api.setLatency(0);
    expect(await failure(apiBackend(), ['fine', ''])).toBe('invalid input 1');
    expect(() => createApiBackend({ batchSize: 0 })).toThrow(InvalidInputError);
    expect(describeFailure(new InvalidInputError('x', { field: 'batchSize' }))).toBe(
      'invalid batchSize',
    );
    expect(await failure(apiBackend(), ['fine', { image: './photos/missing.jpg' }])).toBe(
      'unreadable image at input 1',
    );
    const empty = await mkdtemp(join(root, 'empty-model-'));
    expect(
      await failure(createLocalBackend({ model: 'jina-clip-v2', modelPath: empty }), ['x']),
    ).toMatch(/^modelPath .* has no config\.json, tokenizer\.json, preprocessor_config\.json/);
    expect(() => describeFailure(new Error('not ours'))).toThrow('not ours');
  });

  it('long texts: the local backend reports what it cut', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      // #region readme
      const backend = createLocalBackend({
        modelPath: v1.directory, // test-only
        onTruncation: (truncated) => {
          for (const { inputIndex, tokens, maxTokens } of truncated) {
            console.warn(
              `input ${inputIndex}: ${tokens} tokens, embedded from its first ${maxTokens}`,
            );
          }
        },
      });
      // #endregion
      await backend.embed(['hello world', 'one two three four five one two three four']);
      await backend.close();
      expect(warn.mock.calls).toEqual([['input 1: 11 tokens, embedded from its first 8']]);
    } finally {
      warn.mockRestore();
    }
  });

  it('Hugging Face cache: downloads once, then runs offline from the cache', async () => {
    const hub = await startHubServer({ repos: { 'jinaai/jina-clip-v2': v2.directory } });
    const cache = join(root, 'hf-cache-sample');
    process.env.HF_ENDPOINT = hub.url;
    process.env.HF_HUB_CACHE = cache;
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      // #region readme
      const backend = createLocalBackend({
        model: 'jina-clip-v2',
        onDownloadProgress: ({ file, loaded, total }) =>
          console.log(`${file}: ${loaded}/${total ?? '?'} bytes`),
      });
      await backend.embed(['warm up']); // downloads what the cache lacks, then loads the model
      await backend.close();

      // Later, with no network: the cache only (a missing file is a ModelLoadError naming it).
      const offline = createLocalBackend({ model: 'jina-clip-v2', offline: true });
      // #endregion
      hub.clearRequests();
      const { embeddings } = await offline.embed(['snow']);
      await offline.close();
      expect(hub.requests).toEqual([]);
      const ids = [0, v2.vocabulary.get('\u2581snow')!, 2];
      expect(
        maxDifference(embeddings[0]!, normalised(expectedTinyEmbedding(v2, { inputIds: ids }))),
      ).toBeLessThanOrEqual(1e-5);
      expect(await readdir(cache)).toEqual(['models--jinaai--jina-clip-v2']);
      const weightsBytes = (await stat(join(v2.directory, 'onnx', 'model.onnx_data'))).size;
      expect(log.mock.calls.map(([line]) => line)).toContain(
        `onnx/model.onnx_data: ${weightsBytes}/${weightsBytes} bytes`,
      );
    } finally {
      log.mockRestore();
      process.env.HF_ENDPOINT = 'http://127.0.0.1:9';
      process.env.HF_HUB_CACHE = join(root, 'hf-cache-unused');
      await hub.close();
    }
  });

  it("CUDA: 'cuda' fails without onnxruntime-node's CUDA binaries, 'auto' falls back", async () => {
    // #region readme
    const gpu = createLocalBackend({
      device: 'cuda',
      modelPath: v1.directory, // test-only
    }); // a ModelLoadError saying how to install the CUDA binaries, if they are absent
    const anywhere = createLocalBackend({
      device: 'auto',
      modelPath: v1.directory, // test-only
    }); // CUDA when it works, else the CPU
    // #endregion
    await expect(gpu.embed(['hello'])).rejects.toThrow(
      'ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node',
    );
    const { embeddings } = await anywhere.embed(['hello']);
    expect(embeddings[0]).toHaveLength(v1.width);
    await Promise.all([gpu.close(), anywhere.close()]);
  });

  describe('testing entry: a vitest suite against the loopback Jina API', () => {
    // #region readme
    let server: JinaApiServer;
    beforeAll(async () => {
      server = await startJinaApiServer(); // 127.0.0.1, a random port
    });
    afterAll(() => server.close());

    it('embeds a query the way my app does', async () => {
      const backend = createApiBackend({
        model: 'jina-clip-v2',
        apiKey: server.apiKey,
        baseURL: server.url,
      });
      const { embeddings } = await backend.embed(['sleepy cat'], {
        task: 'retrieval.query',
        dimensions: 64,
      });
      await backend.close();
      expect(embeddings[0]).toEqual(
        expectedServerEmbedding('sleepy cat', 'jina-clip-v2', 64, { task: 'retrieval.query' }),
      );
      expect(server.requests[0]?.body).toMatchObject({ task: 'retrieval.query', dimensions: 64 });
    });
    // #endregion
  });

  it('testing entry: a tiny model repo, from a folder and through a loopback Hub', async () => {
    process.env.TMPDIR = join(root, 'sample-tmp');
    await mkdir(process.env.TMPDIR);
    try {
      // #region readme
      // A complete jina-clip-v2 repo in Hub layout, with tiny deterministic weights (16 wide).
      const repo = await writeTinyModelRepo(await mkdtemp(join(tmpdir(), 'tiny-v2-')), {
        model: 'jina-clip-v2',
      });
      const fromFolder = createLocalBackend({ model: 'jina-clip-v2', modelPath: repo.directory });

      // Or served by a loopback Hub, to test the download and the cache:
      const hub = await startHubServer({ repos: { 'jinaai/jina-clip-v2': repo.directory } });
      const fromHub = createLocalBackend({
        model: 'jina-clip-v2',
        endpoint: hub.url,
        cacheDir: await mkdtemp(join(tmpdir(), 'hf-cache-')),
      });
      const [folder, downloaded] = await Promise.all([
        fromFolder.embed(['snow']),
        fromHub.embed(['snow']),
      ]);

      // Close both backends and the Hub, or the process keeps running.
      await Promise.all([fromFolder.close(), fromHub.close(), hub.close()]);
      // #endregion
      const ids = [0, repo.vocabulary.get('\u2581snow')!, 2];
      const expected = normalised(expectedTinyEmbedding(repo, { inputIds: ids }));
      expect(maxDifference(folder.embeddings[0]!, expected)).toBeLessThanOrEqual(1e-5);
      expect(downloaded.embeddings[0]).toEqual(folder.embeddings[0]);
      expect(repo.directory.startsWith(process.env.TMPDIR)).toBe(true);
    } finally {
      process.env.TMPDIR = savedEnvironment.TMPDIR;
      if (savedEnvironment.TMPDIR === undefined) delete process.env.TMPDIR;
    }
  });
});

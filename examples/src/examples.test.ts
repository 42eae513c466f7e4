/**
 * Runs every example as a user would (a child process, from the examples folder), offline: on a
 * tiny generated model repo through `JINA_CLIP_MODEL_PATH`, and on the loopback Jina API server.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connect } from '@lancedb/lancedb';
import {
  type HubServer,
  type JinaApiServer,
  startHubServer,
  startJinaApiServer,
  writeTinyModelRepo,
} from 'jina-clip-runtime/testing';
import { JinaClipEmbeddings } from 'langchain-jina-clip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataFolder } from './data-folder.js';

const run = promisify(execFile);
const examplesDirectory = fileURLToPath(new URL('..', import.meta.url));
let scratch: string;
let modelPath: string;
/** The line each example prints before its rankings when the model is the tiny test model. */
let tinyNotice: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'jina-clip-examples-'));
  const repo = await writeTinyModelRepo(join(scratch, 'tiny-jina-clip-v1'), {
    model: 'jina-clip-v1',
  });
  modelPath = repo.directory;
  tinyNotice = `Note: this jina-clip-v1 is a tiny random-weight test model (${repo.width}-wide vectors; the real one gives 768): the rankings below show the wiring, not the model's quality.`;
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** Runs `src/<name>.ts` with tsx; resolves its stdout. */
async function runExample(
  name: string,
  args: string[],
  environment: Record<string, string>,
): Promise<string> {
  const { JINA_API_KEY: _key, JINA_CLIP_MODEL_PATH: _path, ...inherited } = process.env;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', `src/${name}.ts`, ...args], {
    cwd: examplesDirectory,
    env: { ...inherited, HF_HUB_OFFLINE: '1', ...environment },
    timeout: 110_000,
  });
  return stdout;
}

describe('examples on the local backend (tiny model repo)', () => {
  it('multimodal-search (the main job) indexes texts and images and finds an image by itself', async () => {
    const output = await runExample('multimodal-search', [], {
      JINA_CLIP_MODEL_PATH: modelPath,
      JINA_CLIP_LANCEDB: join(scratch, 'search-db'),
    });
    expect(output).toContain(`Embedding with the local backend, jina-clip-v1 from ${modelPath}`);
    expect(output).toContain('Indexed 5 texts and 5 images into LanceDB');
    // Said once, before the first ranking, so no one takes the rankings for the model's quality.
    expect(output.split(tinyNotice)).toHaveLength(2);
    expect(output.indexOf(tinyNotice)).toBeLessThan(output.indexOf('Text query'));
    expect(output).toMatch(/Text query "a cat looking up":\n {2}1\. /);
    expect(output).toMatch(/^Tokens used: [1-9]\d*$/m);
    // The image query is the folder's first image: it must come back first, as itself.
    expect(output).toMatch(
      /Image query images\/astronaut\.jpg:\n {2}1\. image images\/astronaut\.jpg +cosine 1\.0000/,
    );
  });

  it('multimodal-search answers a text query with the identical stored text first', async () => {
    const text = 'A cup of cappuccino with latte art on a saucer, served on a wooden table.';
    const output = await runExample('multimodal-search', [join(examplesDirectory, 'data'), text], {
      JINA_CLIP_MODEL_PATH: modelPath,
      JINA_CLIP_LANCEDB: join(scratch, 'search-db-2'),
    });
    expect(output).toMatch(
      /Text query "A cup of cappuccino[^"]*":\n {2}1\. text +texts\/coffee\.txt +cosine 1\.0000/,
    );
  });

  it('langchain-rag retrieves context from a MemoryVectorStore', async () => {
    const question = 'A ginger tabby cat sits on a wooden floor and looks up with wide green eyes.';
    const output = await runExample('langchain-rag', [join(examplesDirectory, 'data'), question], {
      JINA_CLIP_MODEL_PATH: modelPath,
    });
    expect(output).toContain(`Question: ${question}`);
    expect(output.indexOf(tinyNotice)).toBeGreaterThanOrEqual(0);
    expect(output.indexOf(tinyNotice)).toBeLessThan(output.indexOf('Context for the chat model'));
    expect(output).toMatch(
      /Context for the chat model:\n {2}- \(texts\/cat\.txt\) A ginger tabby cat/,
    );
    expect(output.match(/^ {2}- /gm)).toHaveLength(3);
  });

  it('ingest-lancedb resumes where an interrupted run stopped', async () => {
    const environment = {
      JINA_CLIP_MODEL_PATH: modelPath,
      JINA_CLIP_LANCEDB: join(scratch, 'ingest-db'),
    };
    const first = await runExample(
      'ingest-lancedb',
      ['--limit', '3', '--chunk-size', '2'],
      environment,
    );
    expect(first).toContain('10 files, 0 already ingested, 3 to embed');
    expect(first).toContain('holds 3 rows');
    const second = await runExample('ingest-lancedb', [], environment);
    expect(second).toContain('10 files, 3 already ingested, 7 to embed');
    expect(second).toContain('holds 10 rows');
    const third = await runExample('ingest-lancedb', [], environment);
    expect(third).toContain('10 files, 10 already ingested, 0 to embed');
    expect(third).toContain('holds 10 rows');
  });

  it('ingest-lancedb reports a corrupt JPEG, skips it, and ingests the other files with the vectors embedDocuments/embedImages give', async () => {
    const folder = join(scratch, 'ingest-with-corrupt');
    await cp(join(examplesDirectory, 'data'), folder, { recursive: true });
    // A JPEG header, then garbage: sorted among the good images, in the first chunk.
    await writeFile(
      join(folder, 'images', 'broken.jpg'),
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 1, 2, 3]),
    );
    const environment = {
      JINA_CLIP_MODEL_PATH: modelPath,
      JINA_CLIP_LANCEDB: join(scratch, 'ingest-corrupt-db'),
    };
    /** The one report line: the file, the typed error's name, and its message. */
    const expectReport = (output: string) => {
      const lines = output.split('\n').filter((line) => line.startsWith('Skipped '));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^Skipped images\/broken\.jpg: ImageLoadError: /);
      expect(lines[0]).toContain(`cannot decode image ${join(folder, 'images', 'broken.jpg')}: `);
    };
    // Resolves only on exit code 0.
    const first = await runExample('ingest-lancedb', [folder, '--chunk-size', '4'], environment);
    expect(first).toContain('11 files, 0 already ingested, 11 to embed');
    expectReport(first);
    expect(first).toContain('1 of 11 files skipped (reported above); a rerun tries them again');
    expect(first).toContain('holds 10 rows');

    const items = (await readDataFolder(folder)).filter((item) => item.id !== 'images/broken.jpg');
    const texts = items.filter((item) => item.kind === 'text');
    const images = items.filter((item) => item.kind === 'image');
    const embeddings = new JinaClipEmbeddings({ backend: 'local', modelPath });
    let expected: Map<string, number[]>;
    try {
      const vectors = [
        ...(await embeddings.embedDocuments(texts.map((item) => item.text))),
        ...(await embeddings.embedImages(images.map((item) => item.path))),
      ];
      expected = new Map([...texts, ...images].map((item, index) => [item.id, vectors[index]!]));
    } finally {
      await embeddings.close();
    }
    const database = await connect(environment.JINA_CLIP_LANCEDB);
    const table = await database.openTable('ingested');
    const rows = (await table.query().select(['id', 'vector']).toArray()) as {
      id: string;
      vector: Iterable<number>;
    }[];
    expect(rows.map((row) => row.id).sort()).toEqual([...expected.keys()].sort());
    for (const row of rows) {
      const vector = Array.from(row.vector);
      const reference = expected.get(row.id)!;
      expect(vector).toHaveLength(reference.length);
      const difference = vector.map((value, at) => Math.abs(value - reference[at]!));
      expect(Math.max(...difference)).toBeLessThanOrEqual(1e-6);
    }
    table.close();
    database.close();

    // A rerun resumes: the good files are in the table, the bad one is tried and reported again.
    const second = await runExample('ingest-lancedb', [folder], environment);
    expect(second).toContain('11 files, 10 already ingested, 1 to embed');
    expectReport(second);
    expect(second).toContain('holds 10 rows');
  });

  it('ai-sdk-search embeds the folder with one embedMany into LanceDB and finds an image by itself', async () => {
    const output = await runExample('ai-sdk-search', [], {
      JINA_CLIP_MODEL_PATH: modelPath,
      JINA_CLIP_LANCEDB: join(scratch, 'ai-sdk-db'),
    });
    expect(output).toContain(`Embedding with the local backend, jina-clip-v1 from ${modelPath}`);
    expect(output).toMatch(/^Indexed 10 files with embedMany \([1-9]\d* tokens\) into LanceDB$/m);
    expect(output.indexOf(tinyNotice)).toBeGreaterThanOrEqual(0);
    expect(output.indexOf(tinyNotice)).toBeLessThan(output.indexOf('Text query'));
    expect(output).toMatch(/Text query "a cat looking up":\n {2}1\. (text|image) /);
    expect(output).toMatch(
      /Image query images\/astronaut\.jpg:\n {2}1\. image images\/astronaut\.jpg +cosine 1\.0000/,
    );
  });

  it('llamaindex-index retrieves image nodes for a text query after a reload from disk', async () => {
    const output = await runExample('llamaindex-index', [], {
      JINA_CLIP_MODEL_PATH: modelPath,
      JINA_CLIP_STORAGE: join(scratch, 'llamaindex-storage'),
    });
    expect(output).toContain('Persisted 5 text nodes and 5 image nodes');
    expect(output).toContain('Reloaded the index from');
    expect(output.indexOf(tinyNotice)).toBeGreaterThanOrEqual(0);
    expect(output.indexOf(tinyNotice)).toBeLessThan(output.indexOf('Images for'));
    expect(output).toMatch(/Images for "[^"]+":\n {2}1\. images\//);
  });
});

describe('the main job on the embedded default: the model downloaded from the Hub', () => {
  let hub: HubServer;
  beforeAll(async () => {
    hub = await startHubServer({ repos: { 'jinaai/jina-clip-v1': modelPath } });
  });
  afterAll(async () => {
    await hub.close();
  });

  it('downloads jina-clip-v1 into the Hugging Face cache on first use, then runs from it', async () => {
    const cache = join(scratch, 'hf-cache');
    const environment = {
      HF_ENDPOINT: hub.url,
      HF_HUB_CACHE: cache,
      HF_HUB_OFFLINE: '0',
      JINA_CLIP_LANCEDB: join(scratch, 'hub-db'),
    };
    const first = await runExample('multimodal-search', [], environment);
    expect(first).toContain(
      'Embedding with the local backend, jina-clip-v1 from the Hugging Face Hub cache',
    );
    // The tiny repo served as the Hub's is recognised as tiny too: by its width, once loaded.
    expect(first).toContain(tinyNotice);
    expect(first).toMatch(
      /Image query images\/astronaut\.jpg:\n {2}1\. image images\/astronaut\.jpg +cosine 1\.0000/,
    );
    const downloaded = hub.requests
      .filter((request) => request.method === 'GET')
      .map((request) => request.file);
    expect(downloaded).toEqual(
      expect.arrayContaining([
        'config.json',
        'tokenizer.json',
        'preprocessor_config.json',
        'onnx/text_model.onnx',
        'onnx/vision_model.onnx',
      ]),
    );
    expect(await readdir(join(cache, 'models--jinaai--jina-clip-v1'))).toEqual(
      expect.arrayContaining(['blobs', 'refs', 'snapshots']),
    );
    // A second run offline reuses the cache without a request.
    hub.clearRequests();
    const second = await runExample('multimodal-search', [], {
      ...environment,
      HF_HUB_OFFLINE: '1',
    });
    expect(second).toContain('Indexed 5 texts and 5 images into LanceDB');
    expect(hub.requests).toEqual([]);
  });
});

describe('the main job without the Hub', () => {
  it('fails with the typed error and the offline hint, without a stack trace', async () => {
    const failure = (await runExample('multimodal-search', [], {
      HF_ENDPOINT: 'http://127.0.0.1:1',
      HF_HUB_CACHE: join(scratch, 'unreachable-cache'),
      HF_HUB_OFFLINE: '0',
      JINA_CLIP_LANCEDB: join(scratch, 'unreachable-db'),
    }).catch((error: unknown) => error)) as { code: number; stderr: string };
    expect(failure.code).toBe(1);
    expect(failure.stderr).toContain(
      'ModelLoadError: Could not reach the Hugging Face Hub at http://127.0.0.1:1 for config.json of jinaai/jina-clip-v1',
    );
    expect(failure.stderr).toContain(
      '`npm run search:offline` runs this on a tiny generated model.',
    );
    expect(failure.stderr).not.toContain('    at ');
  });
});

describe('examples on the api backend (loopback Jina API server)', () => {
  let server: JinaApiServer;
  beforeAll(async () => {
    server = await startJinaApiServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('multimodal-search sends texts and resized images to the API', async () => {
    const before = server.requests.length;
    const output = await runExample('multimodal-search', [], {
      JINA_API_KEY: server.apiKey,
      JINA_API_BASE_URL: server.url,
      JINA_CLIP_LANCEDB: join(scratch, 'api-db'),
    });
    expect(output).toContain(`Embedding with the api backend (${server.url}), jina-clip-v1`);
    expect(output).not.toContain('tiny random-weight');
    expect(output).toMatch(/^Tokens used: [1-9]\d*$/m);
    expect(output).toMatch(
      /Image query images\/astronaut\.jpg:\n {2}1\. image images\/astronaut\.jpg +cosine 1\.0000/,
    );
    const bodies = server.requests
      .slice(before)
      .map((request) => request.body as { input: object[] });
    const inputs = bodies.flatMap((body) => body.input);
    expect(inputs.filter((input) => 'image' in input)).toHaveLength(6); // 5 stored + 1 query
    expect(inputs.filter((input) => 'text' in input)).toHaveLength(5 + 2); // 5 stored + 2 queries
  });
});

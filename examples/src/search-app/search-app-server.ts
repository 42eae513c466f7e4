import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect, type Table } from '@lancedb/lancedb';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { streamSSE } from 'hono/streaming';
import {
  IMAGE_LOAD_REASONS,
  IMAGE_SOURCE_DEFAULTS,
  ImageLoadError,
  InvalidInputError,
  JinaClipError,
} from 'jina-clip-runtime';
import type { JinaClipEmbeddings } from 'langchain-jina-clip';
import { type DataItem, readDataFolder } from '../data-folder.js';
import { tinyModelNotice } from '../model-notice.js';
import { describeError, IndexingProgress } from './indexing-progress.js';
import { THUMBNAIL_SIZES, ThumbnailCache, type ThumbnailSize } from './thumbnail-cache.js';

/** Options of {@link createSearchApp}. */
export interface SearchAppOptions {
  /** The folder of images and texts to index and search. */
  folder: string;
  /** The LanceDB folder (the app's table and its thumbnail cache live there). */
  databaseDirectory: string;
  /** Embeds the folder and the queries; the app closes it in {@link SearchApp.close}. */
  embeddings: JinaClipEmbeddings;
  /** Matryoshka width (jina-clip-v2), as given to `embeddings`. @default undefined (full width) */
  dimensions?: number;
  /** The backend, in words, for the page's header. */
  backendDescription: string;
  /** Largest upload, as the runtime's `maxImageBytes`. @default 33554432 (32 MiB) */
  maxImageBytes?: number;
  /** Largest decoded image in pixels (thumbnails), as the runtime's `maxImagePixels`. @default 89478485 */
  maxImagePixels?: number;
  /** Files per ingestion chunk. @default 16 */
  chunkSize?: number;
}

/** The app: a Hono application (serve it with `@hono/node-server`), its indexing and its end. */
export interface SearchApp {
  /** The HTTP routes. */
  app: Hono;
  /** The folder's indexing, started by {@link createSearchApp}. */
  indexing: IndexingProgress;
  /** The LanceDB table the app writes and searches. */
  tableName: string;
  /** Closes the embeddings (an indexing under way stops with `BackendClosedError`) and waits for it. */
  close(): Promise<void>;
}

/** One search result as the page gets it. */
export interface SearchResult {
  id: string;
  kind: 'image' | 'text';
  /** Cosine similarity to the query (1 − LanceDB's cosine distance). */
  score: number;
  /** The text, for a text item. */
  text?: string;
}

const KINDS = ['all', 'image', 'text'] as const;
const RESULT_LIMIT = { default: 24, max: 100 } as const;
const PUBLIC = new URL('./public/', import.meta.url);
/** The page's files: a fixed list, so no request names a file. */
const STATIC_FILES = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/style.css': ['style.css', 'text/css; charset=utf-8'],
  '/favicon.svg': ['favicon.svg', 'image/svg+xml'],
} as const;

/**
 * The search app: indexes `folder` in the background through the same `ingestFolder` as the
 * CLI (incremental: a restart embeds only what is new), streams its progress as Server-Sent
 * Events, and answers text, image (upload or URL) and "more like this" queries from the LanceDB
 * table, with WebP thumbnails made once by sharp. Loads the model first (one warm-up embedding),
 * so a model that cannot load fails here with its typed error.
 */
export async function createSearchApp(options: SearchAppOptions): Promise<SearchApp> {
  const { folder, databaseDirectory, embeddings, dimensions } = options;
  const maxImageBytes = options.maxImageBytes ?? IMAGE_SOURCE_DEFAULTS.maxImageBytes;
  // Loads the model (a local model's width is known once loaded) and fails early when it cannot.
  const width = (await embeddings.embedQuery('a photo')).length;
  const model = embeddings.backend.model;
  // The model's own width (a tiny test model's is narrower than the real one's); `width` is
  // the vectors' (narrower still with a Matryoshka `dimensions`).
  const fullWidth = model.dimensions;
  const items = await readDataFolder(folder);
  const itemsById = new Map<string, DataItem>(items.map((item) => [item.id, item]));
  // One table per folder, model and width: vectors of another model or width never mix.
  const tableName = `search_app_${createHash('sha256')
    .update(`${folder}\0${model.id}\0${options.backendDescription}\0${width}`)
    .digest('hex')
    .slice(0, 16)}`;
  const thumbnails = new ThumbnailCache(
    join(databaseDirectory, 'thumbnails'),
    options.maxImagePixels ?? IMAGE_SOURCE_DEFAULTS.maxImagePixels,
  );
  const indexing = new IndexingProgress({
    embeddings,
    databaseDirectory,
    tableName,
    items,
    ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
    ...(dimensions === undefined ? {} : { dimensions }),
  });
  const database = await connect(databaseDirectory);
  let finalTable: Table | undefined;
  /** The table, reopened while the indexing writes (a handle does not see later rows). */
  const openTable = async (): Promise<Table | undefined> => {
    if (finalTable !== undefined) return finalTable;
    if (!(await database.tableNames()).includes(tableName)) return undefined;
    const table = await database.openTable(tableName);
    if (indexing.state.phase === 'done' || indexing.state.phase === 'failed') finalTable = table;
    return table;
  };
  const status = {
    model: model.id,
    backend: options.backendDescription,
    width: fullWidth,
    dimensions: width,
    matryoshkaDimensions: model.matryoshkaDimensions.filter((each) => each <= fullWidth),
    notice: tinyModelNotice(embeddings.backend) ?? null,
    folder,
    maxImageBytes,
  };

  /** The `limit` rows nearest to `vector` by cosine, of one kind or both. */
  const search = async (
    vector: readonly number[],
    kind: (typeof KINDS)[number],
    limit: number,
  ): Promise<SearchResult[]> => {
    const table = await openTable();
    if (table === undefined) return [];
    let query = table.vectorSearch(Array.from(vector)).distanceType('cosine').limit(limit);
    if (kind !== 'all') query = query.where(`kind = '${kind}'`);
    const rows = (await query.select(['id', 'kind', 'text']).toArray()) as {
      id: string;
      kind: 'image' | 'text';
      text: string;
      _distance: number;
    }[];
    return rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      score: 1 - row._distance,
      ...(row.kind === 'text' ? { text: row.text } : {}),
    }));
  };

  const app = new Hono();
  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'blob:'],
        connectSrc: ["'self'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
      crossOriginEmbedderPolicy: false,
      // Plain HTTP on loopback: HSTS would mean nothing (and would pin a real host name to HTTPS).
      strictTransportSecurity: false,
    }),
  );
  app.onError((error, context) => {
    if (!JinaClipError.isInstance(error)) {
      // Not the request's fault: logged here, never sent (it may name paths).
      console.error(error);
      return context.json(
        { error: { name: 'Error', message: 'Internal error (see the server log)' } },
        500,
      );
    }
    const status = ImageLoadError.isInstance(error)
      ? (error as ImageLoadError).reason === IMAGE_LOAD_REASONS.tooLarge
        ? 413
        : 422
      : InvalidInputError.isInstance(error)
        ? 400
        : 502;
    return context.json({ error: describeError('', error) }, status);
  });

  for (const [route, [file, type]] of Object.entries(STATIC_FILES)) {
    const body = await readFile(new URL(file, PUBLIC));
    app.get(route, (context) => context.body(body, 200, { 'content-type': type }));
  }
  app.get('/api/status', (context) => context.json({ ...status, indexing: indexing.state }));
  app.get('/api/progress', (context) =>
    streamSSE(context, async (stream) => {
      let id = 0;
      // Events go out one after another, and the stream ends only after the last is written.
      let sent = Promise.resolve();
      const send = (state: typeof indexing.state) => {
        sent = sent.then(() =>
          stream.writeSSE({ event: 'progress', data: JSON.stringify(state), id: String(id++) }),
        );
        return sent;
      };
      const isFinal = (state: typeof indexing.state) =>
        state.phase === 'done' || state.phase === 'failed';
      if (isFinal(indexing.state)) return send(indexing.state);
      void send(indexing.state);
      await new Promise<void>((resolve) => {
        const unsubscribe = indexing.subscribe((state) => {
          const written = send(state);
          if (isFinal(state)) {
            unsubscribe();
            void written.then(resolve, resolve);
          }
        });
        stream.onAbort(() => {
          unsubscribe();
          resolve();
        });
      });
    }),
  );

  const kindOf = (value: string | undefined): (typeof KINDS)[number] => {
    if (value === undefined || value === '') return 'all';
    if ((KINDS as readonly string[]).includes(value)) return value as (typeof KINDS)[number];
    throw new InvalidInputError(`\`kind\` must be one of ${KINDS.join(', ')}, got "${value}".`, {
      field: 'kind',
    });
  };
  const limitOf = (value: string | undefined): number => {
    if (value === undefined || value === '') return RESULT_LIMIT.default;
    const limit = Number(value);
    if (!Number.isInteger(limit) || limit < 1 || limit > RESULT_LIMIT.max) {
      throw new InvalidInputError(`\`limit\` must be an integer from 1 to ${RESULT_LIMIT.max}.`, {
        field: 'limit',
      });
    }
    return limit;
  };
  /** Answers with the results and the server's time (also in a Server-Timing header). */
  const answer = async (context: Context, embed: () => Promise<readonly number[]>) => {
    const kind = kindOf(context.req.query('kind'));
    const limit = limitOf(context.req.query('limit'));
    const started = performance.now();
    const vector = await embed();
    const embedded = performance.now();
    const results = await search(vector, kind, limit);
    const ended = performance.now();
    const timing = {
      embedMs: embedded - started,
      searchMs: ended - embedded,
      totalMs: ended - started,
    };
    context.header(
      'server-timing',
      `embed;dur=${timing.embedMs.toFixed(2)}, search;dur=${timing.searchMs.toFixed(2)}`,
    );
    return context.json({ results, timing });
  };

  // A text query, or an image URL under the runtime's URL policy (no private addresses, size
  // and time limits): `?text=` or `?url=`.
  app.get('/api/search', (context) =>
    answer(context, async () => {
      const text = context.req.query('text')?.trim();
      const url = context.req.query('url')?.trim();
      if (url) {
        let parsed: URL;
        try {
          parsed = new URL(url);
        } catch {
          throw new InvalidInputError(`\`url\` is not a URL: "${url}".`, { field: 'url' });
        }
        if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
          throw new InvalidInputError('`url` must be an http: or https: URL.', { field: 'url' });
        }
        return embeddings.embedImageQuery(parsed);
      }
      if (!text) {
        throw new InvalidInputError('Type a text to search for.', { field: 'text' });
      }
      return embeddings.embedQuery(text);
    }),
  );
  // An image query: the request body is the image's bytes, checked by the runtime's image
  // loading (bytes, pixels, formats), which throws ImageLoadError with its reason.
  app.post(
    '/api/search/image',
    bodyLimit({
      maxSize: maxImageBytes,
      onError: () => {
        throw new ImageLoadError(
          `Input 0 (the upload) is larger than maxImageBytes (${maxImageBytes} bytes).`,
          { inputIndex: 0, reason: IMAGE_LOAD_REASONS.tooLarge, limit: maxImageBytes },
        );
      },
    }),
    (context) =>
      answer(context, async () =>
        embeddings.embedImageQuery(new Uint8Array(await context.req.arrayBuffer())),
      ),
  );
  // "More like this": the stored vector of an indexed item, found by id.
  app.get('/api/similar', (context) =>
    answer(context, async () => {
      const id = context.req.query('id') ?? '';
      const table = itemsById.has(id) ? await openTable() : undefined;
      const [row] =
        table === undefined
          ? []
          : ((await table
              .query()
              .where(`id = '${id.replaceAll("'", "''")}'`)
              .select(['vector'])
              .limit(1)
              .toArray()) as { vector: Iterable<number> }[]);
      if (row === undefined) {
        throw new InvalidInputError(`No indexed item has the id "${id}".`, { field: 'id' });
      }
      return Array.from(row.vector);
    }),
  );
  // Thumbnails by item id only: the id is looked up in the folder's own list.
  app.get('/thumbnails/:size', async (context) => {
    const size = context.req.param('size');
    const item = itemsById.get(context.req.query('id') ?? '');
    if (!Object.hasOwn(THUMBNAIL_SIZES, size) || item?.kind !== 'image') {
      return context.text('Not found', 404);
    }
    // A file that sharp cannot read (the indexing skipped it too) has no thumbnail.
    const webp = await thumbnails.get(item.path, size as ThumbnailSize).catch(() => undefined);
    if (webp === undefined) return context.text('Not found', 404);
    return context.body(new Uint8Array(webp), 200, {
      'content-type': 'image/webp',
      'cache-control': 'private, max-age=3600',
    });
  });

  return {
    app,
    indexing,
    tableName,
    async close() {
      await embeddings.close();
      await indexing.finished;
    },
  };
}

import { createApiBackend, type EmbeddingBackend, type EmbeddingInput } from 'jina-clip-runtime';
import { HUB_AND_API_CASES } from './hostile-cases-hub-api.js';
import { HOSTILE_IMAGE_CASES } from './hostile-image-cases.js';

/** What the parent hands every hostile case: the fixtures it made and the servers it runs. */
export interface HostileContext {
  /** Size of the hostile payloads, scaled down for the smoke run (1 = the full sizes). */
  readonly scale: number;
  readonly tinyV1: string;
  readonly tinyV2: string;
  readonly pngBomb: string;
  readonly svgBomb: string;
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly endlessImageUrl: string;
  readonly slowLorisImageUrl: string;
  readonly silentImageUrl: string;
  readonly endlessAnswerBaseUrl: string;
  readonly keyEchoBaseUrl: string;
}

/** One hostile input, as a server that embeds what strangers send would receive it. */
export interface HostileCase {
  readonly name: string;
  readonly category:
    | 'huge text'
    | 'endless bytes'
    | 'slow source'
    | 'data: URI'
    | 'pixel bomb'
    | 'SSRF'
    | 'key leak'
    | 'hostile Hub'
    | 'rate limit'
    | 'text stall'
    | 'request body'
    | 'decode cost'
    | 'pixel layout'
    | 'non-raster'
    | 'thread pool';
  /**
   * What a safe library does with it: embed it within bounds (`resolved`: a huge text is
   * truncated, and says so), or refuse it with a typed error (`rejected`).
   */
  readonly expected: 'resolved' | 'rejected';
  /** What the report calls a resolved outcome. @default 'embedded (truncated)' */
  readonly resolvedAs?: string;
  /** Runs the case; resolves when it succeeded, throws what the library threw. */
  run(context: HostileContext): Promise<void>;
}

const MB = 1024 * 1024;

async function local(modelPath: string, options: Record<string, unknown> = {}) {
  const { createLocalBackend } = await import('jina-clip-runtime/local');
  return createLocalBackend({ modelPath, ...options });
}

function api(context: HostileContext, options: Record<string, unknown> = {}): EmbeddingBackend {
  return createApiBackend({
    baseURL: context.apiUrl,
    apiKey: context.apiKey,
    model: 'jina-clip-v1',
    maxRetries: 2,
    backoff: { initialDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
}

async function embedOnce(
  backend: EmbeddingBackend | Promise<EmbeddingBackend>,
  inputs: EmbeddingInput[],
) {
  const resolved = await backend;
  try {
    await resolved.embed(inputs);
  } finally {
    await resolved.close();
  }
}

/** A text of `bytes` bytes of words, with no instruction the tokenizer could shortcut. */
function hugeText(bytes: number): string {
  const words = ['photo', 'of', 'a', 'cat', 'sleeping', 'on', 'the', 'sofa', 'near', 'window'];
  const parts: string[] = [];
  let length = 0;
  for (let index = 0; length < bytes; index++) {
    const word = words[index % words.length]!;
    parts.push(word);
    length += word.length + 1;
  }
  return parts.join(' ');
}

/** The hostile cases of the reliability run, in report order. */
export const HOSTILE_CASES: readonly HostileCase[] = [
  {
    name: '20 MB text, local jina-clip-v1',
    category: 'huge text',
    expected: 'resolved',
    run: (context) => embedOnce(local(context.tinyV1), [hugeText(20 * MB * context.scale)]),
  },
  {
    name: '20 MB text, local jina-clip-v2',
    category: 'huge text',
    expected: 'resolved',
    run: (context) =>
      embedOnce(local(context.tinyV2, { model: 'jina-clip-v2' }), [
        hugeText(20 * MB * context.scale),
      ]),
  },
  {
    name: '300 KB text without spaces, local jina-clip-v2',
    category: 'huge text',
    expected: 'resolved',
    run: (context) =>
      embedOnce(local(context.tinyV2, { model: 'jina-clip-v2' }), ['猫'.repeat(100_000)]),
  },
  {
    name: '{ image: "/dev/zero" }, local',
    category: 'endless bytes',
    expected: 'rejected',
    run: (context) => embedOnce(local(context.tinyV1), [{ image: '/dev/zero' }]),
  },
  {
    name: 'image URL with an endless body, local',
    category: 'endless bytes',
    expected: 'rejected',
    run: (context) =>
      embedOnce(local(context.tinyV1, { allowPrivateNetwork: true }), [
        { image: context.endlessImageUrl },
      ]),
  },
  {
    name: 'image URL with an endless body, api (fetchImageUrls)',
    category: 'endless bytes',
    expected: 'rejected',
    run: (context) =>
      embedOnce(api(context, { fetchImageUrls: true, allowPrivateNetwork: true }), [
        { image: context.endlessImageUrl },
      ]),
  },
  {
    name: 'API answer with an endless 200 body',
    category: 'endless bytes',
    expected: 'rejected',
    run: (context) => embedOnce(api(context, { baseURL: context.endlessAnswerBaseUrl }), ['hello']),
  },
  {
    name: 'image URL sending 1 byte/s, local',
    category: 'slow source',
    expected: 'rejected',
    run: (context) =>
      embedOnce(local(context.tinyV1, { allowPrivateNetwork: true, imageDownloadTimeout: 3000 }), [
        { image: context.slowLorisImageUrl },
      ]),
  },
  {
    name: 'image URL that never answers, api (fetchImageUrls, timeout 2 s)',
    category: 'slow source',
    expected: 'rejected',
    run: (context) =>
      embedOnce(
        api(context, {
          fetchImageUrls: true,
          allowPrivateNetwork: true,
          timeout: 2000,
          imageDownloadTimeout: 2000,
        }),
        [{ image: context.silentImageUrl }],
      ),
  },
  {
    name: '48 MB percent-encoded data: URI, local',
    category: 'data: URI',
    expected: 'rejected',
    run: (context) =>
      embedOnce(local(context.tinyV1, { maxImageBytes: 64 * MB }), [
        { image: `data:image/png,${'%00'.repeat(Math.round((16 * MB * context.scale) | 0))}` },
      ]),
  },
  {
    name: '50 MB base64 data: URI with one %2B, local',
    category: 'data: URI',
    expected: 'rejected',
    run: (context) => {
      const body = 'A'.repeat(Math.round(50 * MB * context.scale) & ~3);
      return embedOnce(local(context.tinyV1, { maxImageBytes: 64 * MB }), [
        { image: `data:image/png;base64,%2B${body.slice(3)}` },
      ]);
    },
  },
  {
    name: '16000x16000 PNG bomb (about 775 KB), local',
    category: 'pixel bomb',
    expected: 'rejected',
    run: (context) => embedOnce(local(context.tinyV1), [{ image: context.pngBomb }]),
  },
  {
    name: 'eight 16000x16000 PNG bombs in one call, local',
    category: 'pixel bomb',
    expected: 'rejected',
    run: (context) =>
      embedOnce(
        local(context.tinyV1),
        Array.from({ length: 8 }, () => ({ image: context.pngBomb })),
      ),
  },
  {
    name: '122-byte SVG declaring 16000x16000, local',
    category: 'pixel bomb',
    expected: 'rejected',
    run: (context) => embedOnce(local(context.tinyV1), [{ image: context.svgBomb }]),
  },
  {
    name: 'image URL on 127.0.0.1, default policy, local',
    category: 'SSRF',
    expected: 'rejected',
    run: (context) => embedOnce(local(context.tinyV1), [{ image: context.endlessImageUrl }]),
  },
  {
    name: 'image URL on 0x7f000001 (127.0.0.1), default policy, api (fetchImageUrls)',
    category: 'SSRF',
    expected: 'rejected',
    run: (context) => {
      const url = new URL(context.endlessImageUrl);
      return embedOnce(api(context, { fetchImageUrls: true }), [
        { image: `http://0x7f000001:${url.port}${url.pathname}` },
      ]);
    },
  },
  {
    name: 'a 200 answer echoing the key in a header',
    category: 'key leak',
    expected: 'rejected',
    run: async (context) => {
      const backend = api(context, { baseURL: context.keyEchoBaseUrl });
      try {
        await backend.embed(['hello']);
      } catch (error) {
        const { inspect } = await import('node:util');
        const seen = `${String(error)} ${JSON.stringify(error)} ${inspect(error, { showHidden: true, depth: 8 })}`;
        if (seen.includes(context.apiKey)) throw new Error('KEY LEAKED into the thrown error');
        throw error;
      } finally {
        await backend.close();
      }
    },
  },
  ...HUB_AND_API_CASES,
  ...HOSTILE_IMAGE_CASES,
];

import { expectedServerEmbedding } from 'jina-clip-runtime/testing';
import { peakRssBytes } from '../measurement/peak-rss.js';
import type { HostedContender, HostedContenderName, HostedSetup } from './hosted-contender.js';

/** A phase of the hosted benchmark: all the texts, or all the photos. */
export type HostedPhaseName = 'texts' | 'images';

/**
 * What a child process is asked to run: one hosted contender on one phase. The parent drains
 * the server between phases, so that requests a failed call left in flight are counted and
 * billed to the phase that sent them.
 */
export interface HostedTask {
  kind: 'hosted';
  contender: HostedContenderName;
  scenario: string;
  setup: HostedSetup;
  phase: HostedPhaseName;
  /** Texts, or paths of local photos. */
  inputs: string[];
}

/** The client-side measurements of one {@link HostedTask}. */
export interface HostedRun {
  contender: HostedContenderName;
  scenario: string;
  model: HostedSetup['model'];
  phase: HostedPhaseName;
  configuration: string;
  inputs: number;
  /** Vectors returned (0 when the call failed). */
  embedded: number;
  wallMs: number;
  /** The error the call rejected with, if it did (the API key redacted). */
  error?: string;
  /** Text vectors that are not the server's vector for that text (wrong order or content). */
  wrongVectors?: number;
  /** Text vectors that are not unit length. */
  notUnitVectors?: number;
  peakRssBytes: number;
}

const FACTORIES: Record<HostedContenderName, (setup: HostedSetup) => Promise<HostedContender>> = {
  'http floor': async (setup) =>
    (await import('./http-floor-contender.js')).createHttpFloorContender(setup),
  'jina-clip-runtime': async (setup) =>
    (await import('./jina-clip-runtime-api-contender.js')).createJinaClipRuntimeApiContender(setup),
  'jina-clip-runtime (originals)': async (setup) =>
    (await import('./jina-clip-runtime-api-contender.js')).createJinaClipRuntimeApiContender(
      setup,
      {
        resizeImages: false,
      },
    ),
  'langchain-jina-clip': async (setup) =>
    (await import('./langchain-jina-clip-contender.js')).createLangchainJinaClipContender(setup),
  'llamaindex-jina-clip': async (setup) =>
    (await import('./llamaindex-jina-clip-contender.js')).createLlamaindexJinaClipContender(setup),
  'jina-clip-ai-provider': async (setup) =>
    (await import('./ai-sdk-jina-clip-contender.js')).createAiSdkJinaClipContender(setup),
  '@langchain/community JinaEmbeddings': async (setup) =>
    (await import('./langchain-community-contender.js')).createLangchainCommunityContender(setup),
  '@llamaindex/jinaai JinaAIEmbedding': async (setup) =>
    (await import('./llamaindex-jinaai-contender.js')).createLlamaindexJinaaiContender(setup),
  '@llamaindex/jinaai JinaAIEmbedding (translated)': async (setup) => {
    const contender = (
      await import('./llamaindex-jinaai-contender.js')
    ).createLlamaindexJinaaiContender(setup);
    return {
      ...contender,
      configuration: `${contender.configuration}, through a relay renaming encoding_type to embedding_type and { bytes } to { image }`,
    };
  },
};

function describeError(error: unknown, apiKey: string): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.split(apiKey).join('[redacted]').slice(0, 300);
}

/**
 * Checks each text vector against the server's own vector for that text: `wrong` when its
 * direction differs (order lost or content changed; cosine below 1 - 1e-6), `notUnit` when its
 * length is not 1 (the client did not ask for normalised vectors and the server's default
 * applied).
 */
function checkTextVectors(
  texts: readonly string[],
  vectors: readonly ArrayLike<number>[],
  model: HostedSetup['model'],
): { wrong: number; notUnit: number } {
  let wrong = 0;
  let notUnit = 0;
  for (const [index, text] of texts.entries()) {
    const vector = vectors[index];
    const expected = expectedServerEmbedding(text, model);
    if (vector === undefined || vector.length !== expected.length) {
      wrong++;
      continue;
    }
    let dot = 0;
    let norm = 0;
    for (let component = 0; component < expected.length; component++) {
      dot += vector[component]! * expected[component]!;
      norm += vector[component]! * vector[component]!;
    }
    norm = Math.sqrt(norm);
    if (dot / norm < 1 - 1e-6) wrong++;
    if (Math.abs(norm - 1) > 1e-4) notUnit++;
  }
  return { wrong, notUnit };
}

/** The client of this process, built at its first phase and kept for the next. */
let current: { name: HostedContenderName; contender: HostedContender } | undefined;

/**
 * Runs one phase of a hosted contender (in a child process of its own; the same client serves
 * its texts and then its images) and returns what the client saw.
 */
export async function runHostedTask(task: HostedTask): Promise<HostedRun> {
  const { setup } = task;
  if (current?.name !== task.contender) {
    current = { name: task.contender, contender: await FACTORIES[task.contender](setup) };
  }
  const { contender } = current;
  contender.prepare?.(task.inputs);
  const started = performance.now();
  let vectors: ArrayLike<number>[] = [];
  let error: string | undefined;
  try {
    vectors =
      task.phase === 'texts'
        ? await contender.embedTexts(task.inputs)
        : await contender.embedImages(task.inputs);
  } catch (caught) {
    error = describeError(caught, setup.apiKey);
  }
  const wallMs = performance.now() - started;
  const checked =
    task.phase === 'texts' && error === undefined && task.contender !== 'http floor'
      ? checkTextVectors(task.inputs, vectors, setup.model)
      : undefined;
  return {
    contender: task.contender,
    scenario: task.scenario,
    model: setup.model,
    phase: task.phase,
    configuration: contender.configuration,
    inputs: task.inputs.length,
    embedded: vectors.length,
    wallMs,
    error,
    wrongVectors: checked?.wrong,
    notUnitVectors: checked?.notUnit,
    peakRssBytes: peakRssBytes(),
  };
}

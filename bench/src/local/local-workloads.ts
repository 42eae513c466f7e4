import type { Photo } from '../workloads/photo-folder.js';
import type { CorpusText } from '../workloads/text-corpus.js';
import type { WorkItem } from './local-contender.js';

/** A local workload: the same calls, in the same order, for every contender. */
export interface LocalWorkload {
  name: 'text corpus' | 'photo folder' | 'mixed';
  /** Embedded first; timed only as part of the session start. */
  warmup: WorkItem[];
  calls: WorkItem[][];
  /** Times each call is made (interleaved across contenders); the fastest counts. */
  rounds: number;
  texts: number;
  images: number;
}

/** Inputs per call of each workload (the runtime sorts texts by length within a call). */
export interface CallSizes {
  texts: number;
  photos: number;
  mixed: number;
}

/** Rounds of each workload: short workloads are repeated so that one noisy call does not decide. */
export type WorkloadRounds = CallSizes;

function chunk<T>(values: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < values.length; start += size) {
    chunks.push(values.slice(start, start + size));
  }
  return chunks;
}

/**
 * The three local workloads: the text corpus in calls of `callSizes.texts` (in corpus order,
 * so each call holds a realistic mix of lengths), the photo folder in calls of
 * `callSizes.photos`, and a mixed stream of three texts to one photo.
 */
export function buildLocalWorkloads(
  corpus: readonly CorpusText[],
  photos: readonly Photo[],
  mixed: { texts: number; photos: number },
  callSizes: CallSizes,
  rounds: WorkloadRounds,
): LocalWorkload[] {
  const textItems: WorkItem[] = corpus.map(({ text }) => ({ text }));
  const photoItems: WorkItem[] = photos.map(({ path }) => ({ image: path }));
  const mixedItems: WorkItem[] = [];
  const mixedTexts = textItems.slice(0, mixed.texts);
  const mixedPhotos = photoItems.slice(0, mixed.photos);
  const step = Math.max(1, Math.round(mixedTexts.length / Math.max(1, mixedPhotos.length)));
  for (let index = 0, photo = 0; index < mixedTexts.length || photo < mixedPhotos.length; index++) {
    if (index < mixedTexts.length) mixedItems.push(mixedTexts[index]!);
    if ((index + 1) % step === 0 && photo < mixedPhotos.length)
      mixedItems.push(mixedPhotos[photo++]!);
  }
  return [
    {
      name: 'text corpus',
      warmup: textItems.slice(0, 1),
      calls: chunk(textItems, callSizes.texts),
      rounds: rounds.texts,
      texts: textItems.length,
      images: 0,
    },
    {
      name: 'photo folder',
      warmup: photoItems.slice(0, 1),
      calls: chunk(photoItems, callSizes.photos),
      rounds: rounds.photos,
      texts: 0,
      images: photoItems.length,
    },
    {
      name: 'mixed',
      warmup: [...textItems.slice(0, 1), ...photoItems.slice(0, 1)],
      calls: chunk(mixedItems, callSizes.mixed),
      rounds: rounds.mixed,
      texts: mixedTexts.length,
      images: mixedPhotos.length,
    },
  ];
}

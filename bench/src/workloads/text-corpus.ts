import { createSeededRandom } from './seeded-random.js';
import { WORD_LIST } from './word-list.js';

/** Options of {@link generateTextCorpus}. */
export interface TextCorpusOptions {
  /** Number of texts. */
  count: number;
  /** Seed of the generator. @default 5 */
  seed?: number;
  /** Fewest tokens of a text, counting [CLS] and [SEP]. @default 5 */
  minTokens?: number;
  /** Most tokens of a text, counting [CLS] and [SEP]. @default 500 */
  maxTokens?: number;
}

/** One generated text with the token count it was written to (the stand-in tokenizer's count). */
export interface CorpusText {
  text: string;
  tokens: number;
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/**
 * Writes one text of exactly `target` stand-in tokens: sentences of 6..20 words, about one word
 * in ten glued to the next (a rare word: two WordPiece tokens), commas now and then.
 */
function writeText(target: number, random: ReturnType<typeof createSeededRandom>): string {
  let budget = target - 2; // [CLS] and [SEP]
  const parts: string[] = [];
  let sentenceLeft = random.integer(6, 20);
  let startOfSentence = true;
  while (budget > 0) {
    if (budget >= 2 && sentenceLeft <= 0) {
      parts[parts.length - 1] += '.';
      budget -= 1;
      sentenceLeft = random.integer(6, 20);
      startOfSentence = true;
      continue;
    }
    let word = random.pick(WORD_LIST);
    let cost = 1;
    if (budget >= 2 && random.next() < 0.1) {
      word += random.pick(WORD_LIST);
      cost = 2;
    }
    if (budget - cost >= 1 && !startOfSentence && random.next() < 0.05) {
      word += ',';
      cost += 1;
    }
    parts.push(startOfSentence ? capitalise(word) : word);
    startOfSentence = false;
    budget -= cost;
    sentenceLeft -= 1;
  }
  return parts.join(' ');
}

/**
 * A deterministic corpus with a realistic spread of lengths: token counts drawn log-uniformly
 * between `minTokens` and `maxTokens` (as many short queries and titles as long passages), so a
 * batch in input order usually holds one long text that pads the rest.
 */
export function generateTextCorpus(options: TextCorpusOptions): CorpusText[] {
  const random = createSeededRandom(options.seed ?? 5);
  const minTokens = Math.max(3, options.minTokens ?? 5);
  const maxTokens = options.maxTokens ?? 500;
  const texts: CorpusText[] = [];
  for (let index = 0; index < options.count; index++) {
    const logValue = Math.log(minTokens) + random.next() * Math.log(maxTokens / minTokens);
    const tokens = Math.min(maxTokens, Math.max(minTokens, Math.round(Math.exp(logValue))));
    texts.push({ text: writeText(tokens, random), tokens });
  }
  return texts;
}

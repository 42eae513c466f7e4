import type { Tokenizer as HuggingFaceTokenizer } from '@huggingface/tokenizers';
import { ModelLoadError } from '../errors/model-load-error.js';
import { importOptionalPeer } from '../optional-peer.js';
import { encodeBoundedPrefixSteps, runToEnd } from './encode-bounded-prefix.js';

/** A text's token ids, special tokens included, cut to the model's limit. */
export interface TextEncoding {
  ids: number[];
  /**
   * When the text was longer than the limit, its length in tokens (special tokens included):
   * exact when `exact`, else a lower bound (only a bounded prefix of a very long text is
   * tokenized). Undefined when nothing was cut.
   */
  truncatedFrom: number | undefined;
  /** Whether `truncatedFrom` is the text's full token count rather than a lower bound. */
  exact: boolean;
}

/** The repository's tokenizer, with the model's limit and padding token. */
export interface TextTokenizer {
  /**
   * Tokenizes one text, adding the template's special tokens and cutting it to `maxTokens`;
   * work is bounded by `maxTokens`, not by the text's length (see `encodeBoundedPrefix`).
   */
  encode(text: string): TextEncoding;
  /**
   * {@link TextTokenizer.encode} as steps: pauses between the tokenizer calls a long text takes
   * (see `encodeBoundedPrefixSteps`), for a caller that yields to the event loop between them.
   */
  encodeSteps(text: string): Generator<void, TextEncoding>;
  /** Id that pads shorter rows of a batch. */
  readonly padTokenId: number;
  /** Longest sequence the model reads, special tokens included. */
  readonly maxTokens: number;
}

/**
 * Builds the tokenizer of `tokenizer.json` with `@huggingface/tokenizers` (WordPiece for v1,
 * the XLM-R Unigram for v2; any the library supports). That library does not truncate, so this
 * does, as Hugging Face `tokenizers` does with `truncation=True`: the text's own tokens are cut
 * so that, with the template's special tokens around them, the sequence is `maxTokens` long.
 * `padTokenId` is the repository's (`readPadTokenId`).
 */
export async function loadTextTokenizer(
  tokenizerJson: Record<string, unknown>,
  tokenizerConfig: Record<string, unknown>,
  options: { maxTokens: number; padTokenId: number },
): Promise<TextTokenizer> {
  const { Tokenizer } =
    await importOptionalPeer<typeof import('@huggingface/tokenizers')>('@huggingface/tokenizers');
  let tokenizer: HuggingFaceTokenizer;
  try {
    tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  } catch (error) {
    throw new ModelLoadError(
      `tokenizer.json could not be read by @huggingface/tokenizers: ${error instanceof Error ? error.message : String(error)}`,
      { file: 'tokenizer.json', cause: error },
    );
  }
  const { maxTokens, padTokenId } = options;
  // The template's special tokens around a text (`[CLS] … [SEP]`, `<s> … </s>`), found once.
  const sample = 'a';
  const sampleIds = tokenizer.encode(sample).ids;
  const sampleContent = tokenizer.encode(sample, { add_special_tokens: false }).ids;
  let before = 0;
  while (before < sampleIds.length && !startsAt(sampleIds, sampleContent, before)) before++;
  if (before === sampleIds.length) before = sampleIds.length - sampleContent.length;
  const specialsBefore = sampleIds.slice(0, before);
  const specialsAfter = sampleIds.slice(before + sampleContent.length);
  const keep = Math.max(0, maxTokens - specialsBefore.length - specialsAfter.length);

  function* encodeSteps(text: string): Generator<void, TextEncoding> {
    const content = yield* encodeBoundedPrefixSteps(
      text,
      keep,
      (prefix) => tokenizer.encode(prefix, { add_special_tokens: false }).ids,
    );
    const ids = [...specialsBefore, ...content.ids, ...specialsAfter].slice(0, maxTokens);
    const truncated = content.truncatedFrom;
    return truncated === undefined
      ? { ids, truncatedFrom: undefined, exact: true }
      : {
          ids,
          truncatedFrom: truncated.tokens + specialsBefore.length + specialsAfter.length,
          exact: truncated.exact,
        };
  }

  return {
    padTokenId,
    maxTokens,
    encode: (text) => runToEnd(encodeSteps(text)),
    encodeSteps,
  };
}

/** Whether `sequence` appears in `ids` at `offset`. */
function startsAt(ids: readonly number[], sequence: readonly number[], offset: number): boolean {
  for (let i = 0; i < sequence.length; i++) {
    if (ids[offset + i] !== sequence[i]) return false;
  }
  return true;
}

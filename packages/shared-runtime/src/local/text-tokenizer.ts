import type { Tokenizer as HuggingFaceTokenizer } from '@huggingface/tokenizers';
import { ModelLoadError } from '../errors/model-load-error.js';
import { importOptionalPeer } from '../optional-peer.js';

/** A text's token ids, special tokens included, cut to the model's limit. */
export interface TextEncoding {
  ids: number[];
  /** The untruncated length, when the text was longer than the limit; undefined otherwise. */
  truncatedFrom: number | undefined;
}

/** The repository's tokenizer, with the model's limit and padding token. */
export interface TextTokenizer {
  /** Tokenizes one text, adding the template's special tokens and cutting it to `maxTokens`. */
  encode(text: string): TextEncoding;
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

  return {
    padTokenId,
    maxTokens,
    encode(text) {
      const { ids } = tokenizer.encode(text);
      if (ids.length <= maxTokens) return { ids, truncatedFrom: undefined };
      // Keep the template's special tokens (before and after the text) and cut the text itself.
      const content = tokenizer.encode(text, { add_special_tokens: false }).ids;
      const specials = ids.length - content.length;
      let before = 0;
      while (before < specials && !startsAt(ids, content, before)) before++;
      const kept = Math.max(0, maxTokens - specials);
      return {
        ids: [
          ...ids.slice(0, before),
          ...content.slice(0, kept),
          ...ids.slice(before + content.length),
        ].slice(0, maxTokens),
        truncatedFrom: ids.length,
      };
    },
  };
}

/** Whether `sequence` appears in `ids` at `offset`. */
function startsAt(ids: readonly number[], sequence: readonly number[], offset: number): boolean {
  for (let i = 0; i < sequence.length; i++) {
    if (ids[offset + i] !== sequence[i]) return false;
  }
  return true;
}

/**
 * The id of a token in `tokenizer.json`: among its `added_tokens` (where Hugging Face
 * `tokenizers` lists every special token), else in its model's vocabulary (a `{ token: id }` map
 * for WordPiece and BPE, a `[token, score][]` list for Unigram, where the id is the index).
 */
function tokenIdIn(tokenizerJson: Record<string, unknown>, content: string): number | undefined {
  const added = tokenizerJson['added_tokens'];
  if (Array.isArray(added)) {
    for (const token of added as { id?: unknown; content?: unknown }[]) {
      if (token?.content === content && typeof token.id === 'number') return token.id;
    }
  }
  const vocab = (tokenizerJson['model'] as { vocab?: unknown } | null | undefined)?.vocab;
  if (Array.isArray(vocab)) {
    const index = vocab.findIndex((entry) => Array.isArray(entry) && entry[0] === content);
    return index === -1 ? undefined : index;
  }
  if (typeof vocab === 'object' && vocab !== null) {
    const id = (vocab as Record<string, unknown>)[content];
    return typeof id === 'number' ? id : undefined;
  }
  return undefined;
}

/**
 * The id that pads shorter rows of a text batch: `tokenizer.json`'s `padding.pad_id`, else the id
 * of `tokenizer_config.json`'s `pad_token` (a string, or `{ content }`), else `fallback` (the
 * model table's).
 *
 * Read from the JSON rather than through `@huggingface/tokenizers`, so that the model's facts are
 * known without that package: it is loaded only by calls that embed texts.
 */
export function readPadTokenId(
  tokenizerJson: Record<string, unknown>,
  tokenizerConfig: Record<string, unknown>,
  fallback: number,
): number {
  const padding = tokenizerJson['padding'] as { pad_id?: unknown } | null | undefined;
  if (typeof padding?.pad_id === 'number') return padding.pad_id;
  const token = tokenizerConfig['pad_token'];
  const content =
    typeof token === 'string'
      ? token
      : typeof token === 'object' && token !== null
        ? (token as { content?: unknown }).content
        : undefined;
  return (typeof content === 'string' ? tokenIdIn(tokenizerJson, content) : undefined) ?? fallback;
}

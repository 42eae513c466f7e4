import type { TruncatedInput } from './local-backend-options.js';

/** Inputs named in a warning; the rest are counted. */
const NAMED_INPUTS = 5;

/**
 * Says that texts were cut to the model's limit: through the `onTruncation` option when given,
 * else as one process warning per call (type `JinaClipTruncationWarning`, code
 * `JINA_CLIP_TRUNCATED`), so that no text is ever truncated silently.
 */
export function reportTruncation(
  truncated: readonly TruncatedInput[],
  onTruncation: ((truncated: readonly TruncatedInput[]) => void) | undefined,
): void {
  if (truncated.length === 0) return;
  if (onTruncation !== undefined) {
    onTruncation(truncated);
    return;
  }
  const named = truncated
    .slice(0, NAMED_INPUTS)
    .map(
      ({ inputIndex, tokens, exact }) =>
        `input ${inputIndex} (${exact ? '' : 'at least '}${tokens} tokens)`,
    )
    .join(', ');
  const more =
    truncated.length > NAMED_INPUTS ? ` and ${truncated.length - NAMED_INPUTS} more` : '';
  const [texts, their] = truncated.length === 1 ? ['text was', 'its'] : ['texts were', 'their'];
  process.emitWarning(
    `${truncated.length} ${texts} longer than the model's ${truncated[0]!.maxTokens} tokens and embedded from ${their} first ${truncated[0]!.maxTokens} tokens only: ${named}${more}. Split long texts into chunks, or pass onTruncation to handle this yourself.`,
    { type: 'JinaClipTruncationWarning', code: 'JINA_CLIP_TRUNCATED' },
  );
}

/**
 * What may go into an error message from outside (a server's words, a URL a caller gave): text
 * with no credentials, no signed query, no control characters and a bounded length, so that a
 * message can neither leak a secret nor forge log lines nor grow without bound.
 */

/** Longest text from a server (a `detail`, a header) kept in a message or an error field. */
export const MAX_MESSAGE_TEXT = 1_000;

/**
 * `scheme://[userinfo@]host…` up to whitespace or a quote, whether or not `URL` can parse it. The
 * scheme is at most 32 characters: unbounded, a text like `a.a.a.a…` made every position scan
 * the rest of it (quadratic: 100 KB took 7.5 s).
 */
const URL_IN_TEXT = /\b([a-z][a-z\d+.-]{0,31}:\/\/)([^\s"'<>`]*)/gi;

/**
 * Characters kept past `maxLength` while a long text is redacted before its final cut: a URL
 * that starts in the kept part is redacted whole as long as it ends within this margin.
 */
const URL_MARGIN = 4_096;

/**
 * A URL for a message: its `user:password@` and its query and fragment (where a presigned URL
 * keeps its signature) replaced by `[redacted]`. Works on strings `URL` cannot parse too. With
 * `cutOff`, the text was cut: a URL running to its end may have lost its `@` or `?`, so all of it
 * after the scheme is redacted.
 */
export function redactUrl(url: string, cutOff = false): string {
  return url.replace(URL_IN_TEXT, (match, scheme: string, rest: string, offset: number) => {
    if (cutOff && offset + match.length === url.length) return `${scheme}[redacted]`;
    // The authority ends at the first `/`, `?` or `#`; its userinfo at its last `@`.
    const authorityEnd = rest.search(/[/?#\\]/);
    let authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
    let tail = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
    const at = authority.lastIndexOf('@');
    if (at !== -1) authority = `[redacted]@${authority.slice(at + 1)}`;
    const query = tail.search(/[?#]/);
    if (query !== -1) tail = `${tail.slice(0, query)}${tail[query]}[redacted]`;
    return `${scheme}${authority}${tail}`;
  });
}

/**
 * Line breaks, ANSI escapes and every other control character written as `\n`, `\r`, `\x1b`,
 * `\u2028`… so that text from a server stays on the message's one line and cannot recolour or
 * rewrite a terminal (log forging).
 */
export function escapeControlCharacters(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what is escaped.
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (character) => {
    if (character === '\n') return '\\n';
    if (character === '\r') return '\\r';
    if (character === '\t') return '\\t';
    const code = character.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** The first `maxLength` characters of `text`, not splitting a surrogate pair. */
function head(text: string, maxLength: number): string {
  const code = text.charCodeAt(maxLength - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? maxLength - 1 : maxLength);
}

/** `text` cut to `maxLength` characters (not splitting a surrogate pair), marked when cut. */
export function boundLength(text: string, maxLength: number = MAX_MESSAGE_TEXT): string {
  if (text.length <= maxLength) return text;
  const kept = head(text, maxLength);
  return `${kept}… (${text.length - kept.length} more characters)`;
}

/**
 * Text from outside made fit for a message: URLs redacted ({@link redactUrl}), control
 * characters escaped, length bounded. Cut last, so a cut never leaves half a URL unredacted;
 * the caller redacts its own secrets (an API key) before calling, for the same reason.
 */
export function messageText(text: string, maxLength: number = MAX_MESSAGE_TEXT): string {
  // A 50 MB detail is not worked through whole: what the final cut drops is dropped first,
  // but for a margin, so that a URL straddling the cut is still seen (and redacted) whole.
  const cutOff = text.length > maxLength + URL_MARGIN;
  const kept = cutOff ? text.slice(0, maxLength + URL_MARGIN) : text;
  const clean = escapeControlCharacters(redactUrl(kept, cutOff));
  if (!cutOff && clean.length <= maxLength) return clean;
  return `${head(clean, maxLength)}… (cut from ${text.length} characters)`;
}

/** A short, single-line reason for a thrown value (the caller's own getter, so not a secret). */
export function describeThrown(error: unknown): string {
  let text: string;
  try {
    text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  } catch {
    text = 'an unprintable value';
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are dropped.
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, 200);
}

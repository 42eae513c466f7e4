/**
 * An image: an `http(s):` URL, a `data:` URI, a `file:` URL or a filesystem path (as a string or
 * `URL`), or its encoded bytes (PNG, JPEG, WebP, GIF, TIFF, AVIF).
 */
export type ImageSource = string | URL | Uint8Array | ArrayBuffer | Blob;

/** One thing to embed. A bare string is text. */
export type EmbeddingInput = string | { text: string } | { image: ImageSource };

/** An input after validation: exactly one of text or image. */
export type ResolvedInput =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'image'; readonly image: ImageSource };

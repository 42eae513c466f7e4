/**
 * An image source resolved for a backend: a URL left for the service to fetch, or the image's
 * encoded bytes with a short description for error messages (a path or URL, never the bytes).
 */
export type LoadedImage =
  | { kind: 'url'; url: string }
  | {
      kind: 'bytes';
      bytes: Uint8Array;
      description: string;
      /**
       * The whole ArrayBuffer under `bytes` was allocated by this load and nothing else refers
       * to it (a file read), so it may be transferred to another thread instead of copied.
       */
      ownsBuffer?: true;
    };

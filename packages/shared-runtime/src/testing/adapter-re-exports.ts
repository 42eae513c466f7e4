/**
 * The runtime's values the LangChain and LlamaIndex adapter entries re-export, so a project
 * using an adapter needs no runtime import: the error classes and `embedSettled`. An adapter's
 * entry test checks each is the runtime's own (`entry[name] === runtime[name]`).
 */
export const ADAPTER_RE_EXPORTS = [
  'ApiError',
  'AuthenticationError',
  'BackendClosedError',
  'ConnectionError',
  'ImageLoadError',
  'InvalidInputError',
  'JinaClipError',
  'ModelLoadError',
  'RateLimitError',
  'TimeoutError',
  'embedSettled',
] as const;

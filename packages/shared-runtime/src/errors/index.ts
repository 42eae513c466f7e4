export { ApiError, type ApiErrorFields, isRetryableStatus } from './api-error.js';
export { AuthenticationError } from './authentication-error.js';
export { ConnectionError } from './connection-error.js';
export { ImageLoadError } from './image-load-error.js';
export { InvalidInputError } from './invalid-input-error.js';
export { JinaClipError } from './jina-clip-error.js';
export { ModelLoadError } from './model-load-error.js';
export { RateLimitError } from './rate-limit-error.js';
export { TimeoutError } from './timeout-error.js';

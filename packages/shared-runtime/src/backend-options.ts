import type { ApiBackendOptions } from './api/api-backend-options.js';
import type { LocalBackendOptions } from './local/local-backend-options.js';

/**
 * Marks every option of `Options` as one that must not be set: a discriminated union on
 * `backend` then rejects another backend's option at compile time even where TypeScript's
 * excess-property check does not run (an options object built elsewhere, no `backend` given).
 */
export type Forbidden<Options> = { [Name in keyof Options]?: never };

/** Options only the api backend reads (`apiKey`, `baseURL`, ...). */
export type ApiOnlyOptions = Omit<ApiBackendOptions, keyof LocalBackendOptions>;

/** Options only the local backend reads (`modelPath`, `dtype`, ...). */
export type LocalOnlyOptions = Omit<LocalBackendOptions, keyof ApiBackendOptions>;

/**
 * Options of `createBackend`: which backend, and its own options. A discriminated union on
 * `backend`, so an option of the other backend (`modelPath` with `backend: 'api'`) is a type
 * error; JavaScript callers get an `InvalidInputError` naming it at run time.
 */
export type BackendOptions =
  | ({ backend?: 'api' } & ApiBackendOptions & Forbidden<LocalOnlyOptions>)
  | ({ backend: 'local' } & LocalBackendOptions & Forbidden<ApiOnlyOptions>);

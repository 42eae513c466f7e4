import { InvalidInputError } from '../../errors/index.js';
import { redactUrl } from '../../errors/message-text.js';
import { ownOptions } from '../../own-options.js';
import type { DownloadProgress } from '../local-backend-options.js';
import type { DownloadModelFilesOptions } from './download-model-files-options.js';
import { resolveCacheDirectory } from './resolve-cache-directory.js';

/** `downloadModelFiles` options with every default applied and every field validated. */
export interface DownloadConfig {
  readonly repo: string;
  readonly revision: string;
  readonly files: readonly string[];
  readonly optionalFiles: readonly string[];
  readonly cacheDirectory: string;
  readonly offline: boolean;
  /** Without a trailing slash. */
  readonly endpoint: string;
  /** `endpoint` without its `user:password@`, for messages. */
  readonly endpointForMessages: string;
  /** See {@link DownloadModelFilesOptions.metadataTimeoutMs}. */
  readonly metadataTimeoutMs: number;
  /** See {@link DownloadModelFilesOptions.downloadTimeoutMs}. */
  readonly downloadTimeoutMs: number;
  readonly token: string | undefined;
  readonly onDownloadProgress: ((progress: DownloadProgress) => void) | undefined;
  readonly signal: AbortSignal | undefined;
  readonly verifyCachedFiles: boolean;
  readonly lockStaleMs: number;
}

/** The Hub's default address. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co';

/** huggingface_hub's `HF_HUB_ETAG_TIMEOUT` and `HF_HUB_DOWNLOAD_TIMEOUT` default: 10 s. */
export const DEFAULT_HUB_TIMEOUT_MS = 10_000;

/** setTimeout's largest delay: the longest timeout undici can keep. */
const MAX_TIMEOUT_MS = 2_147_483_647;

/** A full commit hash: a revision of this form needs no resolving. */
export const COMMIT_HASH_PATTERN = /^[0-9a-f]{40}$/;

/** huggingface_hub's `validate_repo_id`: `[namespace/]name`, word characters, `-` and `.`. */
const REPO_PATTERN = /^(?:[\w.-]{1,96}\/)?[\w.-]{1,96}$/;

/**
 * Applies the defaults of {@link DownloadModelFilesOptions} (reading the Hugging Face environment
 * variables as huggingface_hub reads them) and validates every field.
 *
 * @throws InvalidInputError naming the offending field.
 */
export function resolveDownloadConfig(given: DownloadModelFilesOptions): DownloadConfig {
  // Own properties only, each read once (see ownOptions).
  const options = ownOptions(given, 'downloadModelFiles');
  const environment = process.env;
  const { repo, revision } = options;
  if (
    typeof repo !== 'string' ||
    !REPO_PATTERN.test(repo) ||
    repo.includes('--') ||
    repo.includes('..') ||
    repo.startsWith('.') ||
    repo.endsWith('.')
  ) {
    throw new InvalidInputError(
      `repo must be a Hugging Face repository id such as "jinaai/jina-clip-v1", got ${JSON.stringify(repo)}.`,
      { field: 'repo' },
    );
  }
  if (typeof revision !== 'string' || !isSafeRelativePath(revision)) {
    throw new InvalidInputError(
      `revision must be a branch, tag or commit hash, got ${JSON.stringify(revision)}.`,
      { field: 'revision' },
    );
  }
  const files = validateFiles(options.files, 'files');
  const optionalFiles = validateFiles(options.optionalFiles ?? [], 'optionalFiles');
  if (files.length + optionalFiles.length === 0) {
    throw new InvalidInputError('files must name at least one repository file.', {
      field: 'files',
    });
  }

  const endpoint = (options.endpoint ?? nonEmpty(environment.HF_ENDPOINT) ?? DEFAULT_HUB_ENDPOINT)
    .trim()
    .replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]/i.test(endpoint) || !URL.canParse(endpoint)) {
    throw new InvalidInputError(
      `endpoint must be an http(s) URL such as "${DEFAULT_HUB_ENDPOINT}", got ${JSON.stringify(redactUrl(endpoint))}.`,
      { field: 'endpoint' },
    );
  }

  const token = nonEmpty(
    options.token ?? nonEmpty(environment.HF_TOKEN) ?? environment.HUGGING_FACE_HUB_TOKEN,
  )?.trim();
  if (token !== undefined && /[\r\n\0]/.test(token)) {
    // The token itself never appears in the message.
    throw new InvalidInputError('token contains a line break or NUL character.', {
      field: 'token',
    });
  }

  const lockStaleMs = options.lockStaleMs ?? 30_000;
  if (!Number.isFinite(lockStaleMs) || lockStaleMs <= 0) {
    throw new InvalidInputError(`lockStaleMs must be a positive number, got ${lockStaleMs}.`, {
      field: 'lockStaleMs',
    });
  }
  if (
    options.onDownloadProgress !== undefined &&
    typeof options.onDownloadProgress !== 'function'
  ) {
    throw new InvalidInputError('onDownloadProgress must be a function.', {
      field: 'onDownloadProgress',
    });
  }

  const metadataTimeoutMs = resolveTimeout(
    options.metadataTimeoutMs,
    'hubMetadataTimeout',
    environment.HF_HUB_ETAG_TIMEOUT,
    'HF_HUB_ETAG_TIMEOUT',
  );
  const downloadTimeoutMs = resolveTimeout(
    options.downloadTimeoutMs,
    'hubDownloadTimeout',
    environment.HF_HUB_DOWNLOAD_TIMEOUT,
    'HF_HUB_DOWNLOAD_TIMEOUT',
  );

  return {
    repo,
    revision,
    files,
    optionalFiles: optionalFiles.filter((file) => !files.includes(file)),
    cacheDirectory: resolveCacheDirectory(options.cacheDir),
    offline:
      options.offline ??
      isTrue(nonEmpty(environment.HF_HUB_OFFLINE) ?? environment.TRANSFORMERS_OFFLINE),
    endpoint,
    endpointForMessages: redactUrl(endpoint),
    metadataTimeoutMs,
    downloadTimeoutMs,
    token: token === '' ? undefined : token,
    onDownloadProgress: options.onDownloadProgress,
    signal: options.signal,
    verifyCachedFiles: options.verifyCachedFiles ?? true,
    lockStaleMs,
  };
}

/**
 * A timeout in milliseconds: the option, else the environment variable in seconds (as
 * huggingface_hub reads it), else {@link DEFAULT_HUB_TIMEOUT_MS}.
 */
function resolveTimeout(
  option: number | undefined,
  field: string,
  variable: string | undefined,
  variableName: string,
): number {
  if (option !== undefined) {
    if (
      typeof option !== 'number' ||
      !Number.isFinite(option) ||
      option <= 0 ||
      option > MAX_TIMEOUT_MS
    ) {
      throw new InvalidInputError(
        `${field} must be a positive number of milliseconds up to ${MAX_TIMEOUT_MS}, got ${String(option)}.`,
        { field },
      );
    }
    return option;
  }
  const text = nonEmpty(variable?.trim());
  if (text === undefined) return DEFAULT_HUB_TIMEOUT_MS;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds * 1000 > MAX_TIMEOUT_MS) {
    throw new InvalidInputError(
      `${variableName} must be a positive number of seconds, got ${JSON.stringify(text.slice(0, 50))}.`,
      { field },
    );
  }
  return seconds * 1000;
}

/** huggingface_hub's `_is_true`, which reads `HF_HUB_OFFLINE`. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && ['1', 'ON', 'YES', 'TRUE'].includes(value.trim().toUpperCase());
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function validateFiles(files: readonly string[] | undefined, field: string): readonly string[] {
  if (!Array.isArray(files)) {
    throw new InvalidInputError(`${field} must be an array of repository paths.`, { field });
  }
  for (const file of files) {
    if (typeof file !== 'string' || !isSafeRelativePath(file)) {
      throw new InvalidInputError(
        `${field} must hold relative repository paths such as "onnx/model.onnx", got ${JSON.stringify(file)}.`,
        { field },
      );
    }
  }
  return [...new Set(files)];
}

/**
 * A `/`-separated relative path that stays inside the folder it is joined to: it becomes a path
 * under `snapshots/` or `refs/`, so `..`, empty segments and backslashes are refused.
 */
function isSafeRelativePath(path: string): boolean {
  return (
    path.length > 0 &&
    isWellFormed(path) &&
    !/[\\\0]/.test(path) &&
    path.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..')
  );
}

/** No lone surrogate: such a string has no UTF-8 form, so no URL. */
function isWellFormed(value: string): boolean {
  try {
    encodeURIComponent(value);
    return true;
  } catch {
    return false;
  }
}

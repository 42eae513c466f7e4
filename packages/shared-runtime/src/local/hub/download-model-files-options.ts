import type { DownloadProgress } from '../local-backend-options.js';

/** Options of `downloadModelFiles`. */
export interface DownloadModelFilesOptions {
  /** Hugging Face repository, `org/name`. */
  repo: string;
  /** Branch, tag or 40-hex commit hash. */
  revision: string;
  /** Repository paths that must exist (`config.json`, `onnx/model.onnx`). */
  files: readonly string[];
  /**
   * Repository paths fetched when the Hub has them and skipped, without error, when it answers
   * 404 (`onnx/model.onnx_data`, the external weights of a graph that may not have any).
   * @default []
   */
  optionalFiles?: readonly string[];
  /**
   * Hugging Face cache folder.
   * @default HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub
   */
  cacheDir?: string;
  /**
   * Use the cache only, never the network.
   * @default true when HF_HUB_OFFLINE is 1 / true / yes / on, as huggingface_hub reads it
   */
  offline?: boolean;
  /**
   * Hub base URL.
   * @default process.env.HF_ENDPOINT ?? 'https://huggingface.co'
   */
  endpoint?: string;
  /**
   * Hugging Face token, sent as `Authorization: Bearer` to the Hub host only, never to the CDN a
   * download is redirected to.
   * @default process.env.HF_TOKEN ?? process.env.HUGGING_FACE_HUB_TOKEN
   */
  token?: string;
  /** Called as bytes arrive (at most every 100 ms per file, and always once at the end). */
  onDownloadProgress?: (progress: DownloadProgress) => void;
  /** Aborts the downloads; the call then rejects with `signal.reason`. */
  signal?: AbortSignal;
  /**
   * Check the sha256 of an LFS file already in the cache against its name (the Hub's sha256)
   * before first use in this process, and download it again when it does not match. Files this
   * process downloads are always checked as they arrive.
   * @default true
   */
  verifyCachedFiles?: boolean;
  /**
   * A download lock whose holder has not refreshed it for this long is taken over (the holder
   * refreshes it every third of this time while it downloads; a lock left by a dead process on
   * this host is taken over at once).
   * @default 30_000
   */
  lockStaleMs?: number;
  /**
   * Milliseconds a metadata request (`HEAD`) may wait for the Hub's answer before the Hub
   * counts as unreachable (a complete cached snapshot then stands in).
   * @default HF_HUB_ETAG_TIMEOUT (seconds) × 1000, else 10_000, as huggingface_hub
   */
  metadataTimeoutMs?: number;
  /**
   * Milliseconds a download may wait for the response headers, and then between two chunks
   * of the body (an inactivity timeout: a slow but moving download is never cut). A stalled
   * download is resumed up to 5 times in a row, then fails with a ModelLoadError.
   * @default HF_HUB_DOWNLOAD_TIMEOUT (seconds) × 1000, else 10_000, as huggingface_hub
   */
  downloadTimeoutMs?: number;
}

/** What `downloadModelFiles` returns. */
export interface DownloadedModelFiles {
  /** The commit the revision resolved to. */
  commit: string;
  /** `{cache}/models--{org}--{name}/snapshots/{commit}` */
  snapshotDirectory: string;
  /**
   * Absolute path of every file, by repository path. An optional file the Hub does not have is
   * absent from this record.
   */
  paths: Record<string, string>;
}

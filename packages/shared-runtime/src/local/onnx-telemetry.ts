/** The variable onnxruntime reads (with `getenv`, when a session is created) to turn telemetry off. */
export const ONNX_TELEMETRY_VARIABLE = 'ORT_DISABLE_TELEMETRY';

/**
 * Turns onnxruntime's telemetry off for this process unless someone chose otherwise.
 *
 * onnxruntime-node's Linux library (1.30 and 1.31) carries Microsoft's telemetry system
 * (`core/platform/posix/telemetry.cc`): every process that opens a session leaves a database
 * under `~/.cache/Microsoft/` (1.30 also `$TMPDIR/mat-debug-<pid>.log`), and tries HTTPS
 * uploads, unless `ORT_DISABLE_TELEMETRY=1` is in the environment when the session is created.
 * A library that embeds its users' private photos must not report on them by default, so this
 * sets the variable before onnxruntime-node is loaded, unless:
 * - the variable is already set (any value: `ORT_DISABLE_TELEMETRY=0` keeps telemetry on), or
 * - `optIn` is true (the `onnxTelemetry` option).
 *
 * The variable is process-wide: the first local backend that loads a model decides, and a later
 * one's `onnxTelemetry` cannot turn telemetry back on once it was turned off here.
 */
export function applyOnnxTelemetryPolicy(optIn: boolean): void {
  if (optIn || process.env[ONNX_TELEMETRY_VARIABLE] !== undefined) return;
  process.env[ONNX_TELEMETRY_VARIABLE] = '1';
}

/**
 * `jina-clip-runtime/testing`: what a test needs to run a pipeline offline: a loopback server
 * speaking the Jina API protocol, a loopback Hugging Face Hub, a builder of tiny model repos
 * (both backends at once: `startOfflineBackends`), test images, and the reference vectors and
 * ranking a pipeline must reproduce (`referenceEmbeddings`, `rankBySimilarity`).
 * @packageDocumentation
 */

export { ADAPTER_RE_EXPORTS } from './testing/adapter-re-exports.js';
export { cosineSimilarity } from './testing/cosine-similarity.js';
export {
  createRecordingBackend,
  type RecordedEmbedCall,
  type RecordingBackend,
  type RecordingBackendOptions,
} from './testing/create-recording-backend.js';
export {
  animatedWebp,
  blackPng,
  largeSvg,
  PNG_COLOUR_TYPES,
  type PngFileOptions,
  pngFile,
  progressiveJpeg,
  TIFF_PHOTOMETRIC,
  type TiffFileOptions,
  tiffFile,
} from './testing/hostile-images.js';
export {
  type HubRequestRecord,
  type HubServer,
  type HubServerDelay,
  type HubServerMisbehaviour,
  type HubServerOptions,
  startHubServer,
} from './testing/hub-server.js';
export {
  type JinaApiServer,
  type JinaApiServerOptions,
  type RecordedRequest,
  startJinaApiServer,
} from './testing/jina-api-server.js';
export {
  expectedServerEmbedding,
  type ServerEmbeddingOptions,
  type ServerInput,
} from './testing/jina-api-server-embedding.js';
export type { JinaApiFault, JinaApiStatusFault } from './testing/jina-api-server-faults.js';
export { loopbackApiOptions } from './testing/loopback-api-options.js';
export {
  type EncodedOnnxModel,
  encodeOnnxModel,
  ONNX_DTYPES,
  type OnnxAttribute,
  type OnnxDimension,
  type OnnxDtype,
  type OnnxExternalDataOptions,
  type OnnxGraph,
  type OnnxInitializer,
  type OnnxModelOptions,
  type OnnxNode,
  type OnnxTensorData,
  type OnnxValueInfo,
  type WrittenOnnxModel,
  writeOnnxModel,
} from './testing/onnx-model-writer.js';
export {
  type RankBySimilarityOptions,
  type RankedCandidate,
  type RankingCandidate,
  rankBySimilarity,
} from './testing/rank-by-similarity.js';
export { referenceEmbeddings } from './testing/reference-embeddings.js';
export {
  type OfflineBackends,
  type OfflineBackendsOptions,
  startOfflineBackends,
} from './testing/start-offline-backends.js';
export {
  expectedTinyEmbedding,
  type TinyEmbeddingInput,
  tinyPixelValues,
} from './testing/tiny-model-repo/expected-tiny-embedding.js';
export type { TinyModelWeights } from './testing/tiny-model-repo/tiny-model-weights.js';
export {
  type TinyModelRepo,
  type TinyModelRepoOptions,
  writeTinyModelRepo,
} from './testing/tiny-model-repo/write-tiny-model-repo.js';
export {
  TEST_IMAGE_COLOURS,
  type TestImage,
  type TestImageColour,
  type WriteTestImagesOptions,
  writeTestImages,
} from './testing/write-test-images.js';
export {
  type TestMediaFolderOptions,
  writeTestMediaFolder,
} from './testing/write-test-media-folder.js';

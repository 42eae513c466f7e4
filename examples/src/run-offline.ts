/**
 * Runs an example on a tiny generated model repo, with no network: `tsx src/run-offline.ts
 * multimodal-search [args...]`. Used by `npm run search:offline` (the terminal main job) and
 * `npm run start:offline` (the search app: `search-app/main`) at the root.
 */
import { prepareOfflineModel } from './prepare-offline-model.js';

const [example = 'multimodal-search', ...args] = process.argv.slice(2);
process.env.JINA_CLIP_MODEL_PATH ??= await prepareOfflineModel(
  (process.env.JINA_CLIP_MODEL as 'jina-clip-v1' | 'jina-clip-v2' | undefined) ?? 'jina-clip-v1',
);
delete process.env.JINA_API_KEY;
process.argv = [process.argv[0]!, example, ...args];
await import(`./${example}.js`);

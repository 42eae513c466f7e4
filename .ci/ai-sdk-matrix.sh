#!/usr/bin/env bash
# The AI SDK provider's version matrix: packs jina-clip-runtime and jina-clip-ai-provider as npm
# would publish them, installs them into a fresh ESM project with `ai` 7 (the highest published
# 7.x), zod and the local backend's optional peers (the CPU install), type-checks a consumer
# (texts and images in one embedMany call, under moduleResolution nodenext), and runs
# .ci/peer-matrix/ai-sdk-quick-start.mjs on Node 22, 24 and 26 (`ai` 7 declares Node >= 22).
# Then it measures `ai` 6 (the highest 6.x): a v4 model is refused there
# (UnsupportedModelVersionError), which the provider's README says. Prints one line per cell.
#
# Needs the packages built (npm test has built them) and the npm registry; nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export TURBO_TELEMETRY_DISABLED=1 ORT_DISABLE_TELEMETRY=1 ONNXRUNTIME_NODE_INSTALL=skip
nodes=(${AI_SDK_MATRIX_NODES:-22 24 26})
work=$(mktemp -d "${TMPDIR:-/tmp}/ai-sdk-matrix.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$SECONDS

for folder in shared-runtime ai-sdk-jina-clip; do
  (cd "packages/$folder" && npm pack --silent --pack-destination "$work" >/dev/null)
done
typescript=$(node -p "require('typescript/package.json').version")
ai7=$(npm view 'ai@^7' version --json | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).filter((v) => !v.includes("-")).pop()')
ai6=$(npm view 'ai@^6' version --json | node -p 'JSON.parse(require("fs").readFileSync(0, "utf8")).filter((v) => !v.includes("-")).pop()')

project="$work/ai-$ai7"
mkdir -p "$project"
echo '{ "name": "ai-sdk-matrix-project", "private": true, "type": "module" }' >"$project/package.json"
(cd "$project" && npm install --prefer-offline --no-audit --no-fund --loglevel=error \
  "$work"/jina-clip-runtime-*.tgz "$work"/jina-clip-ai-provider-*.tgz "ai@$ai7" zod \
  onnxruntime-node sharp @huggingface/tokenizers onnx-proto "typescript@$typescript" >/dev/null)
copies=$(cd "$project" && npm ls @ai-sdk/provider --all --parseable | sort -u | wc -l)
[[ $copies == 1 ]] || { echo "FAIL ai@$ai7: $copies copies of @ai-sdk/provider"; exit 1; }

cat >"$project/consumer.ts" <<'TS'
import { embedMany, type EmbeddingModel } from 'ai';
import { createJinaClip, jinaClip } from 'jina-clip-ai-provider';

const model: EmbeddingModel = jinaClip.embeddingModel('jina-clip-v2');
const local = createJinaClip({ backend: 'local', dtype: 'q8' }).queryModel('jina-clip-v2');
// @ts-expect-error an api option beside `backend: 'local'`.
createJinaClip({ backend: 'local', maxRetries: 1 });
export const run = () =>
  embedMany({
    model,
    values: ['a red bus', 'cat.jpg'],
    providerOptions: { jinaClip: { content: [null, { image: './cat.jpg' }] } },
  }).then(({ embeddings, usage }) => [embeddings, usage.tokens, local.modelId] as const);
TS
(cd "$project" && npx tsc --noEmit --strict --skipLibCheck --module nodenext \
  --moduleResolution nodenext --target es2022 consumer.ts) ||
  { echo "FAIL ai@$ai7: the consumer does not compile"; exit 1; }
echo "jina-clip-ai-provider + ai@$ai7: types ok (nodenext)"

cp "$repo/.ci/peer-matrix/ai-sdk-quick-start.mjs" "$project/"
for node in "${nodes[@]}"; do
  result=$(cd "$project" && npx -y -p "node@$node" node ai-sdk-quick-start.mjs 2>&1) ||
    { echo "FAIL jina-clip-ai-provider + ai@$ai7 on Node $node"; echo "$result"; exit 1; }
  echo "jina-clip-ai-provider + ai@$ai7 on Node $node:"
  echo "$result" | sed 's/^/  /'
done

# ai 6: the v4 model is refused, before any request.
legacy="$work/ai-$ai6"
mkdir -p "$legacy"
echo '{ "name": "ai-sdk-matrix-legacy", "private": true, "type": "module" }' >"$legacy/package.json"
(cd "$legacy" && npm install --prefer-offline --no-audit --no-fund --loglevel=error \
  "$work"/jina-clip-runtime-*.tgz "$work"/jina-clip-ai-provider-*.tgz "ai@$ai6" zod >/dev/null)
result=$(cd "$legacy" && node --input-type=module -e "
  import { embed } from 'ai';
  import { jinaClip } from 'jina-clip-ai-provider';
  try {
    await embed({ model: jinaClip('jina-clip-v2'), value: 'a red bus' });
    console.log('accepted');
  } catch (error) {
    console.log(error.name + ': ' + error.message);
  }" 2>&1)
echo "jina-clip-ai-provider + ai@$ai6 on Node $(node -p process.versions.node): $result"
[[ $result == *UnsupportedModelVersionError* ]] || { echo "FAIL ai@$ai6: expected the v4 model to be refused"; exit 1; }
echo "ai sdk matrix: passed in $((SECONDS - started)) s"

#!/usr/bin/env bash
# The version matrix: packs the three packages as npm would publish them, installs each adapter
# into a fresh project with the lowest and the highest published version of its peer range (as
# package.json declares it), and runs its quick start there (.ci/peer-matrix/quick-start.cjs:
# CommonJS and ESM, against the loopback Jina API server) on Node 20, 22, 24 and 26. Every
# project compiles a consumer (--strict, module node16 and bundler) with the repository's
# TypeScript 5 and with TypeScript 7. The project with the highest versions also installs the
# local backend's optional peers (the CPU install the READMEs give, sharp at the highest version
# of the runtime's range) and runs the local backend on a tiny model. Then, on Node 20 only, each
# project runs the adapter's own unit tests against its framework version (run_adapter_tests).
# Last, the runtime's image tests (PIL exactness, the goldens) run against the lowest sharp of
# its range (run_runtime_sharp_tests); the repository's own tests run on the highest.
# Prints one line per cell, the install sizes, and fails if any cell fails.
#
# Needs the packages built (npm test has built them) and the npm registry; nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export TURBO_TELEMETRY_DISABLED=1 ORT_DISABLE_TELEMETRY=1
# The CPU install: onnxruntime-node's install script would otherwise download CUDA 12 binaries.
export ONNXRUNTIME_NODE_INSTALL=skip
nodes=(${PEER_MATRIX_NODES:-20 22 24 26})
work=$(mktemp -d "${TMPDIR:-/tmp}/peer-matrix.XXXXXX")
trap 'rm -rf "$work"' EXIT
started=$SECONDS

for folder in shared-runtime langchain-jina-clip llamaindex-jina-clip; do
  (cd "packages/$folder" && npm pack --silent --pack-destination "$work" >/dev/null)
done
runtime_tarball=$(ls "$work"/jina-clip-runtime-*.tgz)
# Every tarball carries its LICENSE, and no source maps (dist/ is readable JavaScript as it is).
for tarball in "$work"/*.tgz; do
  listing=$(tar -tzf "$tarball")
  grep -qx 'package/LICENSE' <<<"$listing" || { echo "FAIL $(basename "$tarball"): no LICENSE"; exit 1; }
  if grep -q '\.map$' <<<"$listing"; then echo "FAIL $(basename "$tarball"): source maps"; exit 1; fi
  echo "$(basename "$tarball"): $(wc -l <<<"$listing") files, $(du -k "$tarball" | cut -f1) KiB, LICENSE, no maps"
done
# The repository's TypeScript (already in npm's cache), and TypeScript 7, what `npm install -D
# typescript` gives a new project, installed once beside the projects.
typescript=$(node -p "require('typescript/package.json').version")
mkdir "$work/typescript-7" && echo '{ "private": true }' >"$work/typescript-7/package.json"
(cd "$work/typescript-7" && npm install --prefer-offline --no-audit --no-fund --loglevel=error \
  typescript@7 >/dev/null)
typescript_7=$(node -p "require('$work/typescript-7/node_modules/typescript/package.json').version")

# The lowest and highest published (non-prerelease) version that satisfies the declared range.
versions_in_range() {
  npm view "$1@$2" version --json |
    node -e '
      let text = "";
      process.stdin.on("data", (chunk) => (text += chunk)).on("end", () => {
        const key = (version) => version.split(".").map(Number);
        const order = (a, b) => key(a).reduce((d, part, i) => d || part - key(b)[i], 0);
        const found = [].concat(JSON.parse(text)).filter((v) => !v.includes("-")).sort(order);
        console.log(found[0], found[found.length - 1]);
      });'
}

# Runs the quick start in $1 on every Node of the matrix; $2: framework, $3: label, $4: "local".
run_quick_start() {
  local directory=$1 framework=$2 label=$3 extra=${4:-}
  cp "$repo/.ci/peer-matrix/quick-start.cjs" "$directory/"
  for node in "${nodes[@]}"; do
    local result
    if [[ $node == "$(node -p 'process.versions.node.split(".")[0]')" ]]; then
      result=$(cd "$directory" && node quick-start.cjs "$framework" $extra 2>&1) || { echo "FAIL $label on Node $node"; echo "$result"; exit 1; }
    else
      result=$(cd "$directory" && npx -y -p "node@$node" node quick-start.cjs "$framework" $extra 2>&1) || { echo "FAIL $label on Node $node"; echo "$result"; exit 1; }
    fi
    echo "$label: $(echo "$result" | tail -n 1)"
  done
}

# The local backend's optional peers, as the READMEs' CPU install gives them; sharp at both ends
# of the runtime's declared range (the highest in the adapter projects, the lowest for the
# runtime's image tests).
sharp_range=$(node -p "require('./packages/shared-runtime/package.json').peerDependencies.sharp")
read -r sharp_lowest sharp_highest < <(versions_in_range sharp "$sharp_range")
local_peers=(onnxruntime-node "sharp@$sharp_highest" @huggingface/tokenizers onnx-proto)
# The repository's vitest and LlamaIndex (already in npm's cache).
vitest=$(node -p "require('vitest/package.json').version")
tsx=$(node -p "require('tsx/package.json').version")
llamaindex=$(node -p "require('./packages/llamaindex-jina-clip/package.json').devDependencies.llamaindex")
tests_seconds=0

# Runs the adapter's own unit tests in the project $1 (framework $2 at version $3; $4: "lowest"
# or "highest" end of the range; $5: label) on Node 20: the adapter's source and test files are
# copied into the project, so the framework they import is the project's, at that version, and
# the runtime is the packed one. The tests need vitest and the local backend's peers (the tiny model, the test
# images). Left out: *.pipeline.test.ts (LanceDB, @langchain/community), LangChain's
# add-images/jina-clip-retriever tests (they need @langchain/classic, which requires
# @langchain/core 1.x), and, at the bottom of the LlamaIndex range, the concurrency test: it
# drives the `llamaindex` package, and one of its four tests checks the `progressCallback` of
# VectorStoreIndex.fromDocuments, which neither @llamaindex/core 0.6.0 nor llamaindex 0.9.13 (the
# release built on it) has; llamaindex 0.12 does not load on 0.6.0.
run_adapter_tests() {
  local directory=$1 framework=$2 version=$3 end=$4 label=$5 name=${peer[$framework]}
  local source="$repo/packages/${adapter[$framework]}/src" step_started=$SECONDS
  local tests=(jina-clip-embeddings.test.ts) packages=("vitest@$vitest" "${local_peers[@]}")
  if [[ $framework == llamaindex ]]; then
    tests=(jina-clip-embedding.test.ts)
    if [[ $end == highest ]]; then
      tests+=(jina-clip-embedding.concurrency.test.ts)
      packages+=("llamaindex@$llamaindex")
      # LlamaIndex pins its own @llamaindex/core: one copy, the version under test.
      (cd "$directory" && npm pkg set 'overrides[@llamaindex/core]=$@llamaindex/core')
    fi
  fi
  (cd "$directory" && npm install --prefer-offline --no-audit --no-fund --loglevel=error \
    "${packages[@]}" >/dev/null)
  local installed
  installed=$(cd "$directory" && npm ls "$name" --all --parseable | sort -u | wc -l)
  [[ $installed == 1 ]] || { echo "FAIL $label: $installed copies of $name next to the tests"; exit 1; }
  installed=$(node -p "require('$directory/node_modules/$name/package.json').version")
  [[ $installed == "$version" ]] || { echo "FAIL $label: $name@$installed next to the tests"; exit 1; }
  rm -rf "$directory/src" && mkdir "$directory/src"
  find "$source" -maxdepth 1 -name '*.ts' ! -name '*.test.ts' -exec cp {} "$directory/src/" \;
  for test in "${tests[@]}"; do cp "$source/$test" "$directory/src/"; done
  local run=(node node_modules/vitest/vitest.mjs run --pool=forks --testTimeout=30000
    --hookTimeout=60000 "${tests[@]/#/src/}")
  [[ $(node -p 'process.versions.node.split(".")[0]') == 20 ]] || run=(npx -y -p node@20 "${run[@]}")
  local result
  result=$(cd "$directory" && "${run[@]}" 2>&1) || { echo "FAIL $label: adapter tests on Node 20"; echo "$result"; exit 1; }
  echo "$label: adapter tests on Node 20: $(echo "$result" | sed 's/\x1b\[[0-9;]*m//g' | grep -E '^ +Tests ' | sed -E 's/ +/ /g; s/^ Tests //') (${tests[*]})"
  tests_seconds=$((tests_seconds + SECONDS - step_started))
}

declare -A peer=([langchain]=@langchain/core [llamaindex]=@llamaindex/core)
declare -A adapter=([langchain]=langchain-jina-clip [llamaindex]=llamaindex-jina-clip)
for framework in langchain llamaindex; do
  name=${peer[$framework]}
  range=$(node -p "require('./packages/${adapter[$framework]}/package.json').peerDependencies['$name']")
  read -r lowest highest < <(versions_in_range "$name" "$range")
  for version in "$lowest" "$highest"; do
    directory="$work/$framework-$version"
    mkdir -p "$directory"
    echo '{ "name": "peer-matrix-project", "private": true }' >"$directory/package.json"
    extra=()
    local_flag=
    if [[ $framework == langchain && $version == "$highest" ]]; then
      extra=("${local_peers[@]}")
      local_flag=local
    fi
    (cd "$directory" && npm install --prefer-offline --no-audit --no-fund --loglevel=error \
      "$runtime_tarball" "$work/${adapter[$framework]}"-*.tgz "$name@$version" "${extra[@]}" \
      "typescript@$typescript" >/dev/null)
    # One copy of the framework: the adapter's peer is the project's.
    copies=$(cd "$directory" && npm ls "$name" --all --parseable | sort -u | wc -l)
    [[ $copies == 1 ]] || { echo "FAIL $framework $name@$version: $copies copies installed"; exit 1; }
    if [[ $framework == langchain && $version == "$lowest" ]]; then
      api_size=$(du -sh "$directory/node_modules" | cut -f1)
    fi
    [[ -n $local_flag ]] && local_size=$(du -sh "$directory/node_modules" | cut -f1)
    label="${adapter[$framework]} + $name@$version (range $range)"
    # The declarations fit this version: a consumer assigns the adapter to the framework's type,
    # compiled by TypeScript 5 and 7, as a Node package (node16) and for a bundler.
    cp "$repo/.ci/peer-matrix/consumer-$framework.ts" "$directory/consumer.ts"
    for compiler in "$directory/node_modules/.bin/tsc" "$work/typescript-7/node_modules/.bin/tsc"; do
      for resolution in "--module node16 --moduleResolution node16" \
        "--module preserve --moduleResolution bundler"; do
        (cd "$directory" && "$compiler" --noEmit --strict --skipLibCheck $resolution \
          --target es2022 consumer.ts) ||
          { echo "FAIL $label: the consumer does not compile ($compiler $resolution)"; exit 1; }
      done
    done
    echo "$label: types ok (TypeScript $typescript and $typescript_7; node16 and bundler)"
    run_quick_start "$directory" "$framework" "$label" $local_flag
    end=lowest
    [[ $version == "$highest" ]] && end=highest
    run_adapter_tests "$directory" "$framework" "$version" "$end" "$label"
  done
done
# The runtime's image tests (PIL exactness against the goldens, decoding, the worker pool) and
# its reference-embeddings test, on the lowest sharp of its range: the sources and fixtures
# copied into a project with that sharp, so the tests decode with it.
run_runtime_sharp_tests() {
  local directory="$work/runtime-sharp-$sharp_lowest" step_started=$SECONDS
  local label="jina-clip-runtime + sharp@$sharp_lowest (range $sharp_range)"
  mkdir -p "$directory"
  echo '{ "name": "peer-matrix-runtime", "private": true, "type": "module" }' >"$directory/package.json"
  local undici_version
  undici_version=$(node -p "require('./packages/shared-runtime/package.json').dependencies.undici")
  # tsx: the tests run some cases in child processes and worker threads from the sources.
  (cd "$directory" && npm install --prefer-offline --no-audit --no-fund --loglevel=error \
    "vitest@$vitest" "tsx@$tsx" "undici@$undici_version" onnxruntime-node "sharp@$sharp_lowest" \
    @huggingface/tokenizers onnx-proto >/dev/null)
  local installed
  installed=$(node -p "require('$directory/node_modules/sharp/package.json').version")
  [[ $installed == "$sharp_lowest" ]] || { echo "FAIL $label: sharp@$installed installed"; exit 1; }
  cp -r packages/shared-runtime/src packages/shared-runtime/test-fixtures "$directory/"
  local result
  result=$(cd "$directory" && node node_modules/vitest/vitest.mjs run --pool=forks \
    --testTimeout=60000 --hookTimeout=60000 src/images src/testing/reference-embeddings.test.ts 2>&1) ||
    { echo "FAIL $label: the runtime's image tests"; echo "$result"; exit 1; }
  echo "$label: image tests on Node $(node -p 'process.versions.node.split(".")[0]'): $(echo "$result" | sed 's/\x1b\[[0-9;]*m//g' | grep -E '^ +Tests ' | sed -E 's/ +/ /g; s/^ Tests //')"
  tests_seconds=$((tests_seconds + SECONDS - step_started))
}
run_runtime_sharp_tests

echo "install sizes (node_modules): api-only langchain project ${api_size:-?}, with the local backend's peers ${local_size:-?}"
echo "peer matrix: passed in $((SECONDS - started)) s (of which the adapter tests, with their installs: $tests_seconds s)"
"$repo/.ci/ai-sdk-matrix.sh"

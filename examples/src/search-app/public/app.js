// The search page: plain DOM, no framework, no build step (the page is one form, one grid and
// one dialog; a UI library would weigh more than the code it saves).

const $ = (id) => document.getElementById(id);

/** The last query, re-run when the kind filter changes. */
let lastQuery;
/** Object URL of the uploaded image shown as the query, revoked when replaced. */
let queryPreviewUrl;

const numberFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

function kind() {
  return document.querySelector('input[name="kind"]:checked').value;
}

function showError(error) {
  const text = error
    ? `${error.name}${error.reason ? ` (${error.reason})` : ''}: ${error.message}`
    : '';
  $('error').textContent = text;
}

function formatSeconds(seconds) {
  if (seconds === undefined || seconds === null || !Number.isFinite(seconds)) return '…';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  return `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`;
}

function renderProgress(state) {
  const bar = $('indexing-bar');
  bar.max = Math.max(state.total, 1);
  bar.value = state.done;
  const section = $('indexing');
  section.dataset.phase = state.phase;
  const counts = `${state.done} of ${state.total} items`;
  let line;
  if (state.phase === 'planning') line = 'Reading the folder and the table…';
  else if (state.phase === 'embedding')
    line = `${counts} · ${numberFormat.format(state.rate)} items/s · about ${formatSeconds(state.etaSeconds)} left`;
  else if (state.phase === 'done')
    line = `Done: ${counts} · ${state.rows} in the index${state.alreadyIngested > 0 ? ` (${state.alreadyIngested} from an earlier run)` : ''}`;
  else line = `Stopped: ${state.error?.name}: ${state.error?.message}`;
  $('indexing-text').textContent = line;
  const failures = $('failures');
  failures.hidden = state.failures.length === 0;
  $('failures-summary').textContent =
    `${state.failures.length} skipped file${state.failures.length === 1 ? '' : 's'}`;
  $('failures-list').replaceChildren(
    ...state.failures.map((failure) => {
      const item = document.createElement('li');
      item.textContent = `${failure.id}: ${failure.name}${failure.reason ? ` (${failure.reason})` : ''}: ${failure.message}`;
      return item;
    }),
  );
}

function followProgress() {
  const events = new EventSource('/api/progress');
  events.addEventListener('progress', (event) => {
    const state = JSON.parse(event.data);
    renderProgress(state);
    if (state.phase === 'done' || state.phase === 'failed') events.close();
  });
  // The server closes the stream after the last state; were it cut short, follow it again
  // (the stream starts with the state now).
  events.addEventListener('error', () => {
    events.close();
    const phase = $('indexing').dataset.phase;
    if (phase !== 'done' && phase !== 'failed') setTimeout(followProgress, 1000);
  });
}

function thumbnailUrl(id, size) {
  return `/thumbnails/${size}?id=${encodeURIComponent(id)}`;
}

/** A result card: a thumbnail (lazy, over a placeholder) or a text, its score, and actions. */
function card(result, rank) {
  const item = document.createElement('li');
  item.className = `result kind-${result.kind}`;
  item.dataset.id = result.id;
  item.dataset.kind = result.kind;
  item.dataset.score = String(result.score);
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'result-open';
  open.setAttribute(
    'aria-label',
    `Result ${rank}: ${result.kind} ${result.id}, score ${result.score.toFixed(4)}. Show details`,
  );
  if (result.kind === 'image') {
    const frame = document.createElement('span');
    frame.className = 'thumbnail-frame';
    const image = document.createElement('img');
    image.loading = 'lazy';
    image.decoding = 'async';
    image.width = 256;
    image.height = 256;
    image.alt = '';
    image.addEventListener('load', () => frame.classList.add('loaded'), { once: true });
    image.src = thumbnailUrl(result.id, 'small');
    frame.append(image);
    open.append(frame);
  } else {
    const text = document.createElement('span');
    text.className = 'result-text';
    text.textContent = result.text;
    open.append(text);
  }
  open.addEventListener('click', () => showDetail(result));
  const meta = document.createElement('p');
  meta.className = 'result-meta';
  const name = document.createElement('span');
  name.className = 'result-id';
  name.textContent = result.id;
  const score = document.createElement('span');
  score.className = 'score';
  score.textContent = result.score.toFixed(4);
  meta.append(name, score);
  const similar = document.createElement('button');
  similar.type = 'button';
  similar.className = 'similar';
  similar.textContent = 'More like this';
  similar.setAttribute('aria-label', `More like ${result.id}`);
  similar.addEventListener('click', () => runQuery({ similar: result.id }));
  item.append(open, meta, similar);
  return item;
}

function showDetail(result) {
  $('detail-title').textContent = result.id;
  const body = $('detail-body');
  if (result.kind === 'image') {
    const image = document.createElement('img');
    image.src = thumbnailUrl(result.id, 'large');
    image.alt = result.id;
    body.replaceChildren(image);
  } else {
    const text = document.createElement('p');
    text.textContent = result.text;
    body.replaceChildren(text);
  }
  $('detail-score').textContent = `${result.kind} · cosine ${result.score.toFixed(4)}`;
  $('detail-similar').onclick = () => {
    $('detail').close();
    runQuery({ similar: result.id });
  };
  $('detail').showModal();
}

/** The query and the number of results, above the grid (a live region: screen readers say it). */
function describeQuery(query, count) {
  const summary = $('query-summary');
  summary.replaceChildren();
  const label = document.createElement('span');
  const results = ` · ${count} result${count === 1 ? '' : 's'}`;
  if (query.text !== undefined) label.textContent = `Text: “${query.text}”${results}`;
  else if (query.url !== undefined) label.textContent = `Image URL: ${query.url}${results}`;
  else if (query.similar !== undefined) label.textContent = `More like ${query.similar}${results}`;
  else {
    label.textContent = `Image: ${query.image.name || 'pasted image'}${results}`;
    const preview = document.createElement('img');
    preview.src = queryPreviewUrl;
    preview.alt = 'The query image';
    preview.className = 'query-preview';
    summary.append(preview);
  }
  summary.prepend(label);
}

/** Runs a query ({ text }, { url }, { image: Blob } or { similar: id }) and shows its results. */
async function runQuery(query) {
  lastQuery = query;
  const parameters = new URLSearchParams({ kind: kind() });
  let response;
  const results = $('results');
  results.setAttribute('aria-busy', 'true');
  try {
    if (query.image !== undefined) {
      response = await fetch(`/api/search/image?${parameters}`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: query.image,
      });
    } else {
      if (query.text !== undefined) parameters.set('text', query.text);
      if (query.url !== undefined) parameters.set('url', query.url);
      if (query.similar !== undefined) parameters.set('id', query.similar);
      const path = query.similar !== undefined ? '/api/similar' : '/api/search';
      response = await fetch(`${path}?${parameters}`);
    }
    const body = await response.json();
    if (!response.ok) {
      showError(body.error);
      results.replaceChildren();
      $('query-summary').replaceChildren();
      return;
    }
    showError(undefined);
    describeQuery(query, body.results.length);
    results.replaceChildren(...body.results.map((result, index) => card(result, index + 1)));
    results.dataset.serverMs = String(body.timing.totalMs);
    if (body.results.length === 0) {
      const empty = document.createElement('li');
      empty.className = 'empty';
      empty.textContent = 'Nothing indexed matches yet.';
      results.append(empty);
    }
  } catch (error) {
    showError({ name: 'Error', message: String(error) });
  } finally {
    results.setAttribute('aria-busy', 'false');
  }
}

function searchImage(file) {
  if (!file) return;
  if (queryPreviewUrl) URL.revokeObjectURL(queryPreviewUrl);
  queryPreviewUrl = URL.createObjectURL(file);
  runQuery({ image: file });
}

async function start() {
  const response = await fetch('/api/status');
  const status = await response.json();
  const width =
    status.matryoshkaDimensions.length > 0
      ? ` · Matryoshka width ${status.dimensions} of ${status.matryoshkaDimensions.join(', ')} (set with --dimensions)`
      : ` · ${status.width} dimensions`;
  $('about').textContent = `${status.model} on the ${status.backend}${width}`;
  if (status.notice) {
    $('notice').textContent = status.notice;
    $('notice').hidden = false;
  }
  renderProgress(status.indexing);
  followProgress();

  $('text-form').addEventListener('submit', (event) => {
    event.preventDefault();
    runQuery({ text: $('query-text').value.trim() });
  });
  $('url-form').addEventListener('submit', (event) => {
    event.preventDefault();
    runQuery({ url: $('query-url').value.trim() });
  });
  $('query-image').addEventListener('change', (event) => {
    searchImage(event.target.files[0]);
    // The same file again is a new query.
    event.target.value = '';
  });
  for (const radio of document.querySelectorAll('input[name="kind"]')) {
    radio.addEventListener('change', () => {
      if (lastQuery !== undefined) runQuery(lastQuery);
    });
  }
  const zone = $('drop-zone');
  document.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('dragging');
  });
  document.addEventListener('dragleave', (event) => {
    if (event.relatedTarget === null) zone.classList.remove('dragging');
  });
  document.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    searchImage(event.dataTransfer?.files[0]);
  });
  document.addEventListener('paste', (event) => {
    const file = [...(event.clipboardData?.files ?? [])].find((each) =>
      each.type.startsWith('image/'),
    );
    if (file === undefined) return;
    event.preventDefault();
    searchImage(file);
  });
  $('detail-close').addEventListener('click', () => $('detail').close());
  document.body.dataset.ready = 'true';
}

start().catch((error) => showError({ name: 'Error', message: String(error) }));

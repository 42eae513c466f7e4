/**
 * The Hub URL of one repository file at one revision, built as `huggingface_hub.hf_hub_url`
 * builds it: `{endpoint}/{repo}/resolve/{revision}/{file}`, the revision percent-encoded whole
 * (so `refs/pr/1` becomes `refs%2Fpr%2F1`) and the file path encoded per segment.
 */
export function hubFileUrl(endpoint: string, repo: string, revision: string, file: string): string {
  const encodedFile = file.split('/').map(quote).join('/');
  return `${endpoint}/${repo}/resolve/${quote(revision)}/${encodedFile}`;
}

/**
 * Python's `urllib.parse.quote(value, safe='')`: everything but letters, digits and `_.-~` is
 * percent-encoded as UTF-8. `encodeURIComponent` also leaves `!'()*` alone, so those are
 * encoded here, to request byte-identical URLs (a CDN or mirror may key on them).
 */
function quote(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

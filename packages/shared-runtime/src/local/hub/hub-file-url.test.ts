import { describe, expect, it } from 'vitest';
import { hubFileUrl } from './hub-file-url.js';

describe('hubFileUrl', () => {
  it('builds the resolve URL as huggingface_hub.hf_hub_url does', () => {
    expect(
      hubFileUrl('https://huggingface.co', 'jinaai/jina-clip-v2', 'main', 'onnx/model.onnx'),
    ).toBe('https://huggingface.co/jinaai/jina-clip-v2/resolve/main/onnx/model.onnx');
  });

  it("quotes the revision whole and the path per segment, like Python's urllib quote", () => {
    // quote('refs/pr/1', safe='') and quote("dir name/it's (1)*!.json")
    expect(hubFileUrl('http://hub', 'org/name', 'refs/pr/1', "dir name/it's (1)*!.json")).toBe(
      'http://hub/org/name/resolve/refs%2Fpr%2F1/dir%20name/it%27s%20%281%29%2A%21.json',
    );
    expect(hubFileUrl('http://hub', 'name', 'v1.0~rc', 'café/ü.json')).toBe(
      'http://hub/name/resolve/v1.0~rc/caf%C3%A9/%C3%BC.json',
    );
  });
});

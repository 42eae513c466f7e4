import { describe, expect, it } from 'vitest';
import { resolveEmbedOptions } from '../embed-options.js';
import type { ModelInfo } from '../models/model-info.js';
import { MODELS } from '../models/models.js';
import { buildRequestBody } from './build-request-body.js';

const v1 = MODELS['jina-clip-v1'];
const v2 = MODELS['jina-clip-v2'];
const input = [{ text: 'a' }, { image: 'https://example.com/a.png' }];

describe('buildRequestBody', () => {
  it('gives jina-clip-v1 neither task nor dimensions, and always normalized and base64', () => {
    const body = buildRequestBody(v1, input, {
      normalized: false,
      embed: resolveEmbedOptions(v1, { task: 'retrieval.query' }),
    });
    expect(JSON.stringify(body)).toBe(
      '{"model":"jina-clip-v1","input":[{"text":"a"},{"image":"https://example.com/a.png"}],"normalized":false,"embedding_type":"base64"}',
    );
  });

  it('gives jina-clip-v2 queries their task and narrower widths their dimensions', () => {
    const query = buildRequestBody(v2, input, {
      normalized: true,
      embed: resolveEmbedOptions(v2, { task: 'retrieval.query', dimensions: 512 }),
    });
    expect(query).toStrictEqual({
      model: 'jina-clip-v2',
      input,
      normalized: true,
      embedding_type: 'base64',
      dimensions: 512,
      task: 'retrieval.query',
    });
    const document = buildRequestBody(v2, input, {
      normalized: true,
      embed: resolveEmbedOptions(v2, { task: 'retrieval.passage', dimensions: 1024 }),
    });
    expect(document).toStrictEqual({
      model: 'jina-clip-v2',
      input,
      normalized: true,
      embedding_type: 'base64',
    });
  });

  it('sends only what a described model accepts', () => {
    const bare: ModelInfo = { ...v2, id: 'my-clip', apiParameters: [] };
    const body = buildRequestBody(bare, input, {
      normalized: true,
      embed: resolveEmbedOptions(bare, { task: 'retrieval.query', dimensions: 64 }),
    });
    expect(body).toStrictEqual({ model: 'my-clip', input });
  });
});

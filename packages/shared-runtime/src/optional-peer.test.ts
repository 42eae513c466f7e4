import { describe, expect, it } from 'vitest';
import { ModelLoadError } from './errors/model-load-error.js';
import { importOptionalPeer, importOptionalPeers, importPeerModule } from './optional-peer.js';

describe('importOptionalPeer', () => {
  it('returns the function a CommonJS function export (sharp) exports', async () => {
    const sharp = await importOptionalPeer<(input: Buffer) => unknown>('sharp');
    expect(typeof sharp).toBe('function');
    expect((sharp as unknown as { versions: { sharp: string } }).versions.sharp).toMatch(/^0\./);
  });

  it('returns the namespace of a module with named exports', async () => {
    const ort = await importOptionalPeer<{ InferenceSession: unknown; Tensor: unknown }>(
      'onnxruntime-node',
    );
    expect(typeof ort.InferenceSession).toBe('function');
    expect(typeof ort.Tensor).toBe('function');
    const onnxProto = await importOptionalPeer<{ default: { onnx: { ModelProto: unknown } } }>(
      'onnx-proto',
    );
    expect(typeof onnxProto.default.onnx.ModelProto).toBe('function');
  });

  it('loads a package once and caches the promise', async () => {
    const first = importOptionalPeer('sharp');
    const second = importOptionalPeer('sharp');
    expect(await first).toBe(await second);
  });

  it('throws ModelLoadError naming the package and the install command when it is missing', async () => {
    const error = await importPeerModule('sharp', 'jina-clip-runtime-absent-peer').catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error).toMatchObject({
      name: 'ModelLoadError',
      packageName: 'sharp',
      message: 'sharp is required for decoding and resizing images. Install it: npm install sharp',
    });
    expect((error as ModelLoadError).cause).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
  });

  it('throws ModelLoadError with the cause when the package is present but fails to load', async () => {
    const broken = 'data:text/javascript,throw new Error("native binary missing")';
    const error = await importPeerModule('onnxruntime-node', broken).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error).toMatchObject({
      packageName: 'onnxruntime-node',
      message:
        'onnxruntime-node is installed but could not be loaded (native binary missing). Reinstall it: npm install onnxruntime-node',
    });
    expect((error as ModelLoadError).cause).toBeInstanceOf(Error);
  });

  it('does not cache a failure', async () => {
    const first = importPeerModule('sharp', 'jina-clip-runtime-absent-peer');
    await expect(first).rejects.toBeInstanceOf(ModelLoadError);
    const second = importPeerModule('sharp', 'jina-clip-runtime-absent-peer');
    expect(second).not.toBe(first);
    await expect(second).rejects.toBeInstanceOf(ModelLoadError);
  });
});

describe('importOptionalPeers', () => {
  const absent = (missing: readonly string[]) => (name: string) =>
    missing.includes(name) ? `jina-clip-runtime-absent-${name.replace('/', '-')}` : name;

  it('resolves when every package loads', async () => {
    await expect(importOptionalPeers(['onnxruntime-node', 'sharp'])).resolves.toBeUndefined();
  });

  it('names every missing package in one error with one install line', async () => {
    const error = await importOptionalPeers(
      ['onnxruntime-node', '@huggingface/tokenizers', 'sharp'],
      {
        specifierOf: absent(['onnxruntime-node', 'sharp']),
      },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelLoadError);
    expect(error).toMatchObject({
      packageName: 'onnxruntime-node',
      packageNames: ['onnxruntime-node', 'sharp'],
      message:
        'Packages this call needs are not installed: onnxruntime-node (running the local model), sharp (decoding and resizing images). Install them: ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node sharp',
    });
    expect((error as ModelLoadError).cause).toBeInstanceOf(AggregateError);
  });

  it('leaves the CUDA download in the install line unless the install is CPU only', async () => {
    const error = await importOptionalPeers(['onnxruntime-node'], {
      cpuOnly: false,
      specifierOf: absent(['onnxruntime-node']),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      packageNames: ['onnxruntime-node'],
      message:
        'onnxruntime-node is required for running the local model. Install it: npm install onnxruntime-node',
    });
  });

  it('rejects with the load error of a package that is installed but broken', async () => {
    const broken = 'data:text/javascript,throw new Error("native binary missing")';
    const error = await importOptionalPeers(['onnxruntime-node', 'sharp'], {
      specifierOf: (name) => (name === 'sharp' ? broken : name),
    }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      packageName: 'sharp',
      packageNames: undefined,
      message:
        'sharp is installed but could not be loaded (native binary missing). Reinstall it: npm install sharp',
    });
  });
});

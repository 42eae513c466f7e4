import { Pool } from 'undici';
import type { HostedContender, HostedSetup } from './hosted-contender.js';

/**
 * The floor of the hosted benchmark: bare undici requests (a keep-alive pool of 2 connections,
 * 2 requests in flight, batches of 32) with the bodies serialised before the clock starts and
 * the answers read but not decoded. What is left is the server's latency and its own processing
 * time on this machine, so it shows how close to the latency bound any client can get here.
 * Texts only; no retries (it stays under the server's cap).
 */
export function createHttpFloorContender(setup: HostedSetup): HostedContender {
  const url = new URL(setup.baseURL);
  const pool = new Pool(url.origin, { connections: 2, pipelining: 1 });
  const path = `${url.pathname.replace(/\/$/, '')}/embeddings`;
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${setup.apiKey}` };
  let bodies: string[] = [];
  return {
    configuration:
      "undici Pool({ connections: 2 }); prebuilt bodies of 32 texts, embedding_type 'base64', answers not decoded",
    prepare(texts) {
      bodies = [];
      for (let start = 0; start < texts.length; start += 32) {
        bodies.push(
          JSON.stringify({
            model: setup.model,
            input: texts.slice(start, start + 32).map((text) => ({ text })),
            normalized: true,
            embedding_type: 'base64',
          }),
        );
      }
    },
    async embedTexts(texts) {
      let next = 0;
      const worker = async () => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const response = await pool.request({ method: 'POST', path, headers, body });
          await response.body.arrayBuffer();
          if (response.statusCode !== 200) throw new Error(`HTTP ${response.statusCode}`);
        }
      };
      await Promise.all([worker(), worker()]);
      // The floor does not decode: it returns placeholders so the counts line up.
      return texts.map(() => []);
    },
    async embedImages() {
      throw new Error('The HTTP floor embeds texts only.');
    },
    close: () => pool.close(),
  };
}

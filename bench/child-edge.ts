// Benchmark child: the Node edge in its own process, probed for CPU and memory by the parent.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNodeEdge } from '../edge/node/server';
import { serveChild } from './child-harness';

interface EdgeChildOptions {
  adminToken: string;
  queueTimeoutMs?: number;
}

await serveChild(async (raw) => {
  const opts = raw as unknown as EdgeChildOptions;
  const dataDir = mkdtempSync(join(tmpdir(), 'vllama-bench-edge-'));
  const edge = await startNodeEdge({ port: 0, host: '127.0.0.1', dataDir, adminToken: opts.adminToken, queueTimeoutMs: opts.queueTimeoutMs });
  return {
    info: { url: edge.url, port: edge.port },
    async close() {
      await edge.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
});

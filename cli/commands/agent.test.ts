import { execa } from 'execa';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameType } from '../../protocol/index';
import { startFakeEdge, type FakeEdge } from '../../test/support/fake-edge';
import { MODEL, startTestUpstream, type TestUpstream } from '../../test/support/test-upstream';

const bin = fileURLToPath(new URL('../../bin/vllama.js', import.meta.url));
const env = { VLLAMA_EDGE: '', VLLAMA_TOKEN: '', VLLAMA_UPSTREAM: '', VLLAMA_MODEL: '', VLLAMA_CONFIG: '', NO_COLOR: '1' };

let edge: FakeEdge | undefined;
let upstream: TestUpstream | undefined;
afterEach(async () => {
  await edge?.close();
  await upstream?.close();
  edge = upstream = undefined;
});

describe('vllama agent', () => {
  it.concurrent.each([
    [[], '--edge is required (or set VLLAMA_EDGE)'],
    [['--edge', 'http://e'], '--token is required (or set VLLAMA_TOKEN)'],
    [['--edge', 'http://e', '--token', 't'], '--model is required to run vLLM, or --upstream to attach to a running server (or set VLLAMA_MODEL or VLLAMA_UPSTREAM)'],
    [['--edge', 'http://e', '--token', 't', '--upstream', 'http://u', '--max-inflight', 'lots'], '--max-inflight must be an integer from 1 to 100000, got "lots"'],
  ])('refuses %j with one line naming the flag, exit 2', async (args, message) => {
    const result = await execa(process.execPath, [bin, 'agent', ...args], { env, reject: false });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toBe(`vllama agent: ${message}`);
  });

  it('connects with settings from the environment and drains on SIGTERM, exit 0', async () => {
    upstream = await startTestUpstream();
    edge = await startFakeEdge();
    const proc = execa(process.execPath, [bin, 'agent'], { env: { ...env, VLLAMA_EDGE: edge.url, VLLAMA_TOKEN: edge.token, VLLAMA_UPSTREAM: upstream.url }, reject: false });
    const conn = await edge.connection();
    expect((await conn.hello()).models).toEqual([MODEL]);
    proc.kill('SIGTERM');
    const result = await proc;
    expect(result.exitCode).toBe(0);
    expect(conn.frames.some((f) => f.type === FrameType.drain)).toBe(true);
    expect(result.stderr).toContain('agent: SIGTERM, draining');
  });
});

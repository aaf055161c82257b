import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeEdge, type NodeEdge } from '../edge/node/server';
import { AdminClient, adminClientFrom, EdgeHttpError } from './admin-client';
import { UsageError, type CommandContext } from './command';

const ctx = (flags: CommandContext['flags']): CommandContext => ({ flags, positionals: [], rest: [] });

describe('admin client', () => {
  let dir: string;
  let edge: NodeEdge;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vllama-admin-client-'));
    edge = await startNodeEdge({ port: 0, dataDir: dir, adminToken: 'adm', log: () => {} });
  });
  afterAll(async () => {
    await edge.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a tenant, a key, revokes it and lists tenants', async () => {
    const client = new AdminClient(`${edge.url}/`, 'adm');
    const created = await client.createTenant('acme');
    expect(created.apiKey).toMatch(/^vl-acme-/);
    const key = await client.createKey('acme', { rpm: 3, models: ['m'] });
    expect(await client.revokeKey('acme', key.id)).toEqual({ id: key.id, revoked: true });
    expect((await client.listTenants()).data.map((t) => t.name)).toEqual(['acme']);
    expect((await client.usage('acme')).data).toEqual([]);
  });

  it("turns the edge's error into one line with its OpenAI message and code", async () => {
    const err = await new AdminClient(edge.url, 'wrong').listTenants().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgeHttpError);
    expect(err).toMatchObject({ status: 401, code: 'invalid_admin_token', message: 'Incorrect admin token provided.' });
  });

  it('says which edge it could not reach', async () => {
    const err = await new AdminClient('http://127.0.0.1:9', 'adm').listTenants().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'edge_unreachable', message: expect.stringContaining('http://127.0.0.1:9/admin/v1') });
  });

  it('falls back to VLLAMA_EDGE and VLLAMA_ADMIN_TOKEN, and names what is missing', async () => {
    const client = adminClientFrom(ctx({}), { VLLAMA_EDGE: edge.url, VLLAMA_ADMIN_TOKEN: 'adm' });
    expect((await client.listTenants()).data.length).toBeGreaterThanOrEqual(0);
    expect(() => adminClientFrom(ctx({}), {}, '/nonexistent')).toThrow(new UsageError('--edge is required (or set VLLAMA_EDGE, or run `vllama dev` in this directory)'));
    expect(() => adminClientFrom(ctx({ edge: edge.url }), {})).toThrow(/--admin-token is required/);
    expect(() => adminClientFrom(ctx({ edge: 'localhost:1', 'admin-token': 'x' }), {})).toThrow(/must be an http\(s\) URL/);
  });
});

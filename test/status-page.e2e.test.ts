// The status page in headless Chromium on both edge hosts, during a load (a real
// agent, the simulator, openai SDK requests): what a person sees — the agent's
// model, a non-zero rate in the chart, today's usage — and a screenshot of it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, type Child } from './support/processes';
import { clientFor, hostKinds, MODEL, startServedStack, stopStack, type EdgeUnderTest, type Tenant } from './support/stack';

const STATUS_TOKEN = `st-${Math.random().toString(36).slice(2)}`;
const artifacts = join(repoRoot, 'test', 'artifacts');

describe.each(hostKinds)('the status page on the %s edge', (kind) => {
  let edge: EdgeUnderTest;
  let sim: Child & { url: string };
  let tenant: Tenant;
  let agent: Child;
  let browser: Browser;
  let loading = true;
  let load: Promise<number>;

  beforeAll(async () => {
    ({ edge, sim, tenant, agent } = await startServedStack(kind, { statusToken: STATUS_TOKEN }, [], { tenantPrefix: 's' }));
    const client = clientFor(edge, tenant);
    // A steady trickle of streamed requests, two at a time, until the test ends.
    load = (async () => {
      let sent = 0;
      const worker = async () => {
        while (loading) {
          const stream = await client.chat.completions.create({ model: MODEL, stream: true, max_tokens: 12, messages: [{ role: 'user', content: `status ${sent++}` }] });
          for await (const _chunk of stream) {
            // read to the end
          }
        }
      };
      await Promise.all([worker(), worker()]);
      return sent;
    })();
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  }, 120_000);

  afterAll(async () => {
    loading = false;
    await load?.catch(() => 0);
    await browser?.close();
    await stopStack({ agent, sim, edge });
  }, 60_000);

  it('asks for a token first, and refuses a wrong one', async () => {
    const page = await browser.newPage();
    const res = await page.goto(`${edge.url}/status`);
    expect(res?.status()).toBe(401);
    await page.fill('input[name=token]', 'not-a-token');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('.error')).toContain('opens nothing');
    expect((await fetch(`${edge.url}/status/data.json`)).status).toBe(401);
    await page.close();
  });

  it("shows the agent's model, a non-zero rate in the chart and today's usage, and saves a screenshot", async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 1000 } });
    // The login form with the read-only status token, as a person would sign in.
    await page.goto(`${edge.url}/status`);
    await page.fill('input[name=token]', STATUS_TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#agents td');
    expect(await page.textContent('#agents')).toContain(MODEL);
    expect(await page.textContent('#agents')).toContain('ready');
    // The page refreshes every 5 s; the chart's series fill as requests end.
    const peak = await page.waitForFunction(
      () => {
        const s = (window as unknown as { __vllamaStatus?: { chart?: { data: number[][] } } }).__vllamaStatus;
        const tokens = s?.chart?.data[2] ?? [];
        const max = Math.max(0, ...tokens.filter((v) => Number.isFinite(v)));
        return max > 0 ? max : false;
      },
      undefined,
      { timeout: 30_000, polling: 500 },
    );
    expect(await peak.jsonValue()).toBeGreaterThan(0);
    const drawn = await page.$$eval('#chart canvas', (canvases) => canvases.length);
    expect(drawn).toBeGreaterThan(0);
    await expect.poll(async () => Number(await page.textContent('#fig-completion')), { timeout: 15_000 }).toBeGreaterThan(0);
    expect(await page.textContent('#usage')).toMatch(/key_/);
    mkdirSync(artifacts, { recursive: true });
    const file = join(artifacts, `status-page-${kind}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`status page screenshot (${kind}): ${file}`);
    await page.close();
  });

  it('opens with the admin token in the address and moves it into a cookie', async () => {
    const page = await browser.newPage();
    await page.goto(`${edge.url}/status?token=${encodeURIComponent(edge.adminToken)}`);
    expect(new URL(page.url()).search).toBe('');
    await page.waitForSelector('#agents td');
    expect(await page.textContent('#agents')).toContain(MODEL);
    await page.close();
  });
});

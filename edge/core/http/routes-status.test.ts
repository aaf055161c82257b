import { describe, expect, it } from 'vitest';
import { statusRoutes } from './routes-status';

const app = statusRoutes({
  adminToken: 'adm',
  statusToken: 'look',
  source: {
    listTenants: () => [{ name: 't', createdAt: 0 }],
    usage: () => [
      { keyId: 'key_a', day: '2026-12-02', requests: 2, promptTokens: 3, completionTokens: 4 },
      { keyId: 'key_a', day: '2026-12-01', requests: 9, promptTokens: 9, completionTokens: 9 },
    ],
    agents: () => [],
    figures: () => undefined,
  },
  assets: { uplotJs: '/* uplot */', uplotCss: '/* css */' },
  now: () => Date.parse('2026-12-02T12:00:00Z'),
});

describe('statusRoutes', () => {
  it('answers without a token with the login form (401), and the data with 401 in JSON', async () => {
    const page = await app.request('/status');
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('<form method="post" action="/status/login"');
    expect((await app.request('/status/data.json')).status).toBe(401);
  });

  it.each(['adm', 'look'])('opens with token %s by Bearer header, and shows only today’s usage', async (token) => {
    const res = await app.request('/status/data.json', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { tenants: { usageToday: { day: string }[] }[] };
    expect(body.tenants[0].usageToday.map((u) => u.day)).toEqual(['2026-12-02']);
  });

  it('moves a ?token= into an HttpOnly cookie and redirects to a clean address', async () => {
    const res = await app.request('/status?token=look');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/status');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/vllama_status=look;.*HttpOnly/);
    const page = await app.request('/status', { headers: { cookie: cookie.split(';')[0] } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/status/uplot.js"></script>');
  });

  it('refuses a wrong token from the login form and accepts a right one', async () => {
    const post = (token: string) =>
      app.request('/status/login', { method: 'POST', body: new URLSearchParams({ token }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect((await post('nope')).status).toBe(401);
    const ok = await post('adm');
    expect(ok.status).toBe(303);
    expect(ok.headers.get('set-cookie')).toMatch(/vllama_status=adm/);
  });

  it("embeds the snapshot so that no string in it can close the page's script element", async () => {
    const evil = statusRoutes({
      adminToken: 'adm',
      source: { listTenants: () => [{ name: '</script><b>x', createdAt: 0 }], usage: () => [], agents: () => [], figures: () => undefined },
      assets: { uplotJs: '', uplotCss: '' },
    });
    const html = await (await evil.request('/status', { headers: { authorization: 'Bearer adm' } })).text();
    expect(html).not.toContain('</script><b>x');
    expect(html).toContain('\\u003c/script>');
  });
});

import { request as httpRequest, createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { forwardableHeaderLists, forwardableHeaders } from './forward-headers';

const RAW: [string, string][] = [
  ['Host', '127.0.0.1'],
  ['Authorization', 'Bearer vl-t-secret'],
  ['Cookie', 'a=1'],
  ['Connection', 'keep-alive, X-Hop'],
  ['X-Hop', 'dropped: the Connection header names it'],
  ['Keep-Alive', 'timeout=5'],
  ['Expect', '100-continue'],
  ['TE', 'trailers'],
  ['Proxy-Authorization', 'Basic eA=='],
  ['Content-Length', '2'],
  ['Content-Type', 'application/json'],
  ['CF-Connecting-IP', '203.0.113.7'],
  ['X-Request-Id', 'set by the edge, not the client'],
  ['Accept', 'text/event-stream'],
  ['X-Custom', 'one'],
  ['X-Custom', 'two'],
  ['OpenAI-Beta', 'assistants=v2'],
];

const EXPECTED = {
  'content-type': 'application/json',
  accept: 'text/event-stream',
  'x-custom': 'one, two',
  'openai-beta': 'assistants=v2',
};

/** The headers as Node's HTTP parser gives them to the edge (`headersDistinct`). */
async function nodeParsed(raw: [string, string][]): Promise<IncomingMessage['headersDistinct']> {
  let parsed: IncomingMessage['headersDistinct'] | undefined;
  const server = createServer((req, res) => {
    parsed = req.headersDistinct;
    req.resume();
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest({ port, host: '127.0.0.1', method: 'POST', headers: raw.flat(), agent: false }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end('{}');
    });
    return parsed!;
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

describe('forwardable headers', () => {
  it('keeps what the upstream may use and drops credentials, hop-by-hop, framing and cf-*', () => {
    const headers = new Headers();
    for (const [name, value] of RAW) headers.append(name, value);
    expect(forwardableHeaders(headers)).toEqual(EXPECTED);
  });

  it("gives the same from Node's parsed headers as from Headers", async () => {
    expect(forwardableHeaderLists(await nodeParsed(RAW))).toEqual(EXPECTED);
  });
});

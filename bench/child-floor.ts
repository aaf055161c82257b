// Benchmark child: the floor of the bridge's design in Node. Role `edge` is a
// bare HTTP server that sends each request over one WebSocket; role `agent`
// dials it and replays each request on a keep-alive HTTP connection to the
// upstream, sending the response back head, chunks and end. It does what the
// design must (HTTP at both ends, a WebSocket between, many streams on it) and
// nothing else: no keys, limits, metrics, logs, flow control, batching, checks
// or timeouts. Against it the bridge's figures split into what Node's HTTP
// and WebSocket stacks cost and what the project's own code adds
// (bench/references.ts).
import { Agent, createServer, request, type ServerResponse } from 'node:http';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { serveChild } from './child-harness';

// A message: type (1 byte), stream id (4 bytes), payload.
const REQUEST = 1;
const HEAD = 2;
const DATA = 3;
const END = 4;
const CANCEL = 5;

const frame = (type: number, id: number, payload?: Buffer | string): Buffer => {
  const body = payload === undefined ? Buffer.alloc(0) : typeof payload === 'string' ? Buffer.from(payload) : payload;
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = type;
  out.writeUInt32BE(id, 1);
  body.copy(out, 5);
  return out;
};

const asBuffer = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));

async function floorEdge(): Promise<{ url: string; close(): Promise<void> }> {
  let link: WebSocket | undefined;
  const open = new Map<number, ServerResponse>();
  let next = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (!link) {
        res.writeHead(503).end();
        return;
      }
      const id = (next = (next + 1) >>> 0);
      open.set(id, res);
      res.on('close', () => {
        if (open.delete(id)) link?.send(frame(CANCEL, id));
      });
      const head = JSON.stringify({ m: req.method, p: req.url, t: req.headers['content-type'] });
      link.send(frame(REQUEST, id, Buffer.concat([Buffer.from(`${head}\n`), ...chunks])));
    });
  });
  const wss = new WebSocketServer({ server, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    link = ws;
    ws.on('message', (data) => {
      const m = asBuffer(data);
      const id = m.readUInt32BE(1);
      const res = open.get(id);
      if (!res) return;
      if (m[0] === HEAD) {
        const { s, h } = JSON.parse(m.subarray(5).toString()) as { s: number; h: Record<string, string> };
        res.writeHead(s, h);
      } else if (m[0] === DATA) res.write(m.subarray(5));
      else if (m[0] === END) {
        open.delete(id);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const ws of wss.clients) ws.terminate();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

async function floorAgent(edgeUrl: string, upstream: string): Promise<{ close(): Promise<void> }> {
  const up = new URL(upstream);
  const pool = new Agent({ keepAlive: true, maxSockets: Infinity });
  const ws = new WebSocket(`${edgeUrl.replace(/^http/, 'ws')}/`, { perMessageDeflate: false });
  const open = new Map<number, ReturnType<typeof request>>();
  // Messages sent in one tick leave in one write (a head and its first chunk, ends of several streams).
  let corked = false;
  const send = (m: Buffer) => {
    const socket = (ws as unknown as { _socket?: import('node:net').Socket })._socket;
    if (!corked && socket) {
      corked = true;
      socket.cork();
      process.nextTick(() => {
        corked = false;
        socket.uncork();
      });
    }
    ws.send(m);
  };
  ws.on('message', (data) => {
    const m = asBuffer(data);
    const id = m.readUInt32BE(1);
    if (m[0] === CANCEL) {
      open.get(id)?.destroy();
      open.delete(id);
      return;
    }
    const nl = m.indexOf(10, 5);
    const head = JSON.parse(m.subarray(5, nl).toString()) as { m: string; p: string; t?: string };
    const body = m.subarray(nl + 1);
    const headers: Record<string, string | number> = { 'content-length': body.length };
    if (head.t) headers['content-type'] = head.t;
    const req = request({ host: up.hostname, port: up.port, method: head.m, path: head.p, headers, agent: pool }, (res) => {
      const h: Record<string, string> = {};
      for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string' && k !== 'transfer-encoding' && k !== 'connection' && k !== 'keep-alive') h[k] = v;
      send(frame(HEAD, id, JSON.stringify({ s: res.statusCode, h })));
      res.on('data', (c: Buffer) => send(frame(DATA, id, c)));
      res.on('end', () => {
        open.delete(id);
        send(frame(END, id));
      });
    });
    req.on('error', () => {
      if (open.delete(id)) send(frame(END, id));
    });
    open.set(id, req);
    req.end(body);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    close: async () => {
      ws.terminate();
      pool.destroy();
    },
  };
}

await serveChild(async (opts) => {
  if (opts.role === 'edge') {
    const edge = await floorEdge();
    return { info: { url: edge.url }, close: edge.close };
  }
  const agent = await floorAgent(String(opts.edgeUrl), String(opts.upstream));
  return { info: {}, close: agent.close };
});

// Raw HTTP/1.1 over node:net for hostile-client tests: sends exactly the bytes
// given (which no HTTP library would send) and parses what comes back.
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawExchange {
  responses: RawResponse[];
  /** The server closed the connection (or it errored) before the wait ended. */
  closed: boolean;
  /** Milliseconds from connect to the last response (or close). */
  ms: number;
}

/** Parses complete responses at the start of `buf` (content-length or chunked bodies; 1xx heads are skipped). */
export function parseResponses(buf: Buffer): RawResponse[] {
  const out: RawResponse[] = [];
  let at = 0;
  for (;;) {
    const headEnd = buf.indexOf('\r\n\r\n', at);
    if (headEnd === -1) return out;
    const lines = buf.subarray(at, headEnd).toString('latin1').split('\r\n');
    const status = Number(lines[0].split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    let bodyAt = headEnd + 4;
    if (status >= 100 && status < 200) {
      at = bodyAt;
      continue;
    }
    let body: Buffer;
    if (headers['transfer-encoding']?.includes('chunked')) {
      const parts: Buffer[] = [];
      for (;;) {
        const sizeEnd = buf.indexOf('\r\n', bodyAt);
        if (sizeEnd === -1) return out;
        const size = parseInt(buf.subarray(bodyAt, sizeEnd).toString(), 16);
        if (buf.length < sizeEnd + 2 + size + 2) return out;
        parts.push(buf.subarray(sizeEnd + 2, sizeEnd + 2 + size));
        bodyAt = sizeEnd + 2 + size + 2;
        if (size === 0) break;
      }
      body = Buffer.concat(parts);
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (buf.length < bodyAt + length) return out;
      body = buf.subarray(bodyAt, bodyAt + length);
      bodyAt += length;
    }
    out.push({ status, headers, body: body.toString() });
    at = bodyAt;
  }
}

export interface RawOptions {
  /** Wait for this many responses (default 1), the server's close, or the timeout. */
  responses?: number;
  timeoutMs?: number;
  /** Bind the client end here (127.0.0.2 is another source on Linux loopback). */
  localAddress?: string;
  /** Called once connected, to write slowly; else `bytes` are written at once. */
  write?: (socket: Socket) => void;
}

export function rawRequest(url: string, bytes: string | Buffer, opts: RawOptions = {}): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  const want = opts.responses ?? 1;
  return new Promise((resolve) => {
    const t0 = Date.now();
    const socket = connect({ host: hostname, port: Number(port), localAddress: opts.localAddress });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ responses: parseResponses(buf), closed, ms: Date.now() - t0 });
    };
    const timer = setTimeout(() => finish(false), opts.timeoutMs ?? 15_000);
    socket.on('connect', () => (opts.write ? opts.write(socket) : socket.write(bytes)));
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (parseResponses(buf).length >= want) finish(false);
    });
    socket.on('error', () => finish(true));
    socket.on('close', () => finish(true));
  });
}

/** A request head with CRLFs, `Host` and `Connection` first. */
export function head(method: string, path: string, host: string, headers: [string, string][] = []): string {
  return [`${method} ${path} HTTP/1.1`, `Host: ${host}`, ...headers.map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');
}

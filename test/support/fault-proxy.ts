// A small TCP proxy for tests, put between agent and edge: it passes bytes both
// ways, or stalls, cuts, delays or trickles the connections it holds, so a test
// can break the link the way a network does.
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

export type FaultMode =
  | { kind: 'pass' }
  /** Hold every byte of the current connections, forever; new connections pass. */
  | { kind: 'stall' }
  /** Each chunk waits this long before it is passed on. */
  | { kind: 'delay'; ms: number }
  /** At most this many bytes per second each way, per connection. */
  | { kind: 'trickle'; bytesPerS: number };

interface Pair {
  client: Socket;
  upstream: Socket;
  stalled: boolean;
}

export class FaultProxy {
  readonly #server: Server;
  readonly #target: { host: string; port: number };
  readonly #pairs = new Set<Pair>();
  #mode: FaultMode = { kind: 'pass' };
  /** Connections accepted so far (an agent's redial shows up here). */
  accepted = 0;

  private constructor(server: Server, target: { host: string; port: number }) {
    this.#server = server;
    this.#target = target;
    server.on('connection', (client) => this.#accept(client));
  }

  /** Listens on a free loopback port and forwards to `targetUrl` (http://host:port). */
  static async start(targetUrl: string): Promise<FaultProxy> {
    const url = new URL(targetUrl);
    const server = createServer();
    const proxy = new FaultProxy(server, { host: url.hostname, port: Number(url.port) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** Open connections. */
  get size(): number {
    return this.#pairs.size;
  }

  /** Sets how bytes of connections move from now on; `stall` applies to the connections open now. */
  set(mode: FaultMode): void {
    this.#mode = mode;
    if (mode.kind === 'stall') for (const pair of this.#pairs) this.#stall(pair);
    if (mode.kind === 'stall') this.#mode = { kind: 'pass' };
  }

  /** Destroys every connection at once, as a reset or a dead NAT mapping does. */
  cut(): void {
    for (const pair of this.#pairs) {
      pair.client.destroy();
      pair.upstream.destroy();
    }
    this.#pairs.clear();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    this.accepted++;
    const upstream = connect(this.#target.port, this.#target.host);
    const pair: Pair = { client, upstream, stalled: false };
    this.#pairs.add(pair);
    // A stalled path tells neither end that the other went away: each must find out by itself.
    // (Its sockets go at cut() or close().)
    const end = () => {
      if (pair.stalled) return;
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', () => {}).on('close', end);
    upstream.on('error', () => {}).on('close', end);
    this.#pipe(pair, client, upstream);
    this.#pipe(pair, upstream, client);
  }

  /** Moves bytes from `from` to `to` under the mode in force, with the destination's backpressure. */
  #pipe(pair: Pair, from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (pair.stalled) return; // swallowed: a stalled link delivers nothing, ever
      const mode = this.#mode;
      if (mode.kind === 'pass') {
        if (!to.write(chunk)) {
          from.pause();
          to.once('drain', () => from.resume());
        }
        return;
      }
      from.pause();
      const wait = mode.kind === 'delay' ? mode.ms : mode.kind === 'trickle' ? (chunk.byteLength / mode.bytesPerS) * 1000 : 0;
      setTimeout(() => {
        if (pair.stalled || to.destroyed) return;
        to.write(chunk);
        from.resume();
      }, wait);
    });
  }

  #stall(pair: Pair): void {
    pair.stalled = true;
    // Stop reading too: the peers' writes back up in the kernel, as on a dead path.
    pair.client.pause();
    pair.upstream.pause();
  }
}

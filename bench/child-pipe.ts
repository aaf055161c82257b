// Benchmark child: a bare TCP relay in front of an upstream, no parsing and no
// tunnel. Two in a row, pinned where the edge and the agent run, are the least
// that two Node processes in the path add on the machine (bench/references.ts).
import { connect, createServer, type Socket } from 'node:net';
import { serveChild } from './child-harness';

await serveChild(async (opts) => {
  const upstream = new URL(`tcp://${String(opts.upstream)}`);
  const open = new Set<Socket>();
  const track = (s: Socket, peer: () => Socket) => {
    open.add(s);
    s.setNoDelay(true);
    s.on('error', () => s.destroy());
    // Either side gone: so is the other (pipe() alone would leave it open).
    s.on('close', () => {
      open.delete(s);
      peer().destroy();
    });
  };
  const server = createServer((client) => {
    const next = connect({ host: upstream.hostname, port: Number(upstream.port) });
    track(client, () => next);
    track(next, () => client);
    client.pipe(next);
    next.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    info: { url: `http://127.0.0.1:${port}`, port },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
});

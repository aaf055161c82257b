// Benchmark child: a TCP echo server, the least work a woken Node process can
// do for a request. bench/machine.ts pings it to measure what a wake-up costs.
import { createServer, type Socket } from 'node:net';
import { serveChild } from './child-harness';

await serveChild(async () => {
  const open = new Set<Socket>();
  const server = createServer((s) => {
    open.add(s);
    s.setNoDelay(true);
    s.on('data', (d) => s.write(d));
    s.on('error', () => s.destroy());
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    info: { port },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
});

// Benchmark child: a TCP echo server, the least work a woken Node process can
// do for a request. bench/machine.ts pings it to measure what a wake-up costs.
import { serveChild, tcpServer } from './child-harness';

await serveChild(async () => {
  const server = await tcpServer((s, track) => {
    track(s);
    s.on('data', (d) => s.write(d));
  });
  return { info: { port: server.port }, close: server.close };
});

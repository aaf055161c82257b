// Benchmark child: a bare TCP relay in front of an upstream, no parsing and no
// tunnel. Two in a row, pinned where the edge and the agent run, are the least
// that two Node processes in the path add on the machine (bench/references.ts).
import { connect } from 'node:net';
import { serveChild, tcpServer } from './child-harness';

await serveChild(async (opts) => {
  const upstream = new URL(`tcp://${String(opts.upstream)}`);
  const server = await tcpServer((client, track) => {
    const next = connect({ host: upstream.hostname, port: Number(upstream.port) });
    track(client);
    track(next);
    // Either side gone: so is the other (pipe() alone would leave it open).
    client.on('close', () => next.destroy());
    next.on('close', () => client.destroy());
    client.pipe(next);
    next.pipe(client);
  });
  return { info: { url: `http://127.0.0.1:${server.port}`, port: server.port }, close: server.close };
});

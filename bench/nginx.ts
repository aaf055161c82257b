// nginx as a plain streaming reverse proxy in front of the simulator: the
// reference for what relaying a token costs without a tunnel.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { pin } from './affinity';
import { childPids, procCpuUs, procRssBytes } from './proc-stat';

export interface NginxProxy {
  url: string;
  /** CPU µs and RSS of master + workers. */
  probe(): { cpuUs: number; rss: number };
  close(): Promise<void>;
}

export function findNginx(): string | undefined {
  for (const candidate of ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // not this one
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** One worker, like one Node process; buffering off so each token goes out as it comes. */
function config(dir: string, port: number, upstreamPort: number): string {
  return `worker_processes 1;
error_log ${join(dir, 'error.log')} warn;
pid ${join(dir, 'nginx.pid')};
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  keepalive_requests 1000000;
  upstream sim {
    server 127.0.0.1:${upstreamPort};
    keepalive 1024;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://sim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
      proxy_read_timeout 600s;
    }
  }
}
`;
}

export async function startNginx(binary: string, dir: string, upstreamPort: number, cpus?: string): Promise<NginxProxy> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, config(dir, port, upstreamPort));
  const proc: ChildProcess = spawn(binary, ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`nginx exited with ${proc.exitCode}; see ${join(dir, 'error.log')}`);
    try {
      const res = await fetch(`${url}/health`);
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`nginx did not answer on ${url}; see ${join(dir, 'error.log')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const master = proc.pid ?? 0;
  const pids = (): number[] => [master, ...childPids(master)];
  for (const pid of pids()) pin(pid, cpus);
  return {
    url,
    probe() {
      const all = pids();
      return { cpuUs: all.reduce((a, p) => a + procCpuUs(p), 0), rss: all.reduce((a, p) => a + procRssBytes(p), 0) };
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGQUIT'); // graceful: let workers finish
        setTimeout(() => proc.kill('SIGKILL'), 5_000).unref();
      }),
  };
}

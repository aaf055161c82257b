// The systemd unit for `vllama agent` (`--print-systemd`): the current settings
// baked into ExecStart, the token read from an EnvironmentFile so it never shows
// in the unit, `systemctl status` or `ps`.
import { userInfo } from 'node:os';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AgentConfig } from '../config';
import { VLLM_KILL_AFTER_MS } from './defaults';
import { resolveOnPath } from './executable-path';

export { resolveOnPath };

export interface SystemdUnitOptions {
  /** Absolute path of node; defaults to the one running now. */
  node?: string;
  /** Absolute path of bin/vllama.js. */
  script?: string;
  /** Holds `VLLAMA_TOKEN=…`, readable by root only. */
  envFile?: string;
  /**
   * User the agent runs as; by default the one printing the unit (unless root),
   * whose virtualenv and Hugging Face cache vLLM is set up with.
   */
  user?: string;
  /** PATH used to find a bare `vllm`; systemd's own PATH rarely holds a virtualenv. */
  path?: string;
}

export const SYSTEMD_ENV_FILE = '/etc/vllama/agent.env';

/** Quotes one ExecStart word (systemd.service "Command lines": quotes, `\`, `%` specifiers, `$` expansion). */
export function systemdQuote(word: string): string {
  const escaped = word.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('%', '%%').replaceAll('$', '$$$$');
  return /^[A-Za-z0-9_@%+=:,./$-]+$/.test(escaped) ? escaped : `"${escaped}"`;
}

/** An executable named without a path, looked up like a shell would; undefined when absent. */
function currentUser(): string | undefined {
  try {
    const name = userInfo().username;
    return name === 'root' ? undefined : name;
  } catch {
    return undefined; // no passwd entry (some containers)
  }
}

/** The `vllama agent` flags that reproduce a config, without the token. */
export function agentFlags(config: AgentConfig, vllm: string): string[] {
  const flags: string[] = [];
  const add = (flag: string, value: string | number | undefined) => {
    if (value !== undefined) flags.push(flag, String(value));
  };
  add('--edge', config.edge);
  add('--agent-id', config.agentId);
  if (config.upstream) {
    add('--upstream', config.upstream);
  } else {
    add('--model', config.model);
    add('--vllm', vllm);
    add('--port', config.port);
    add('--max-num-seqs', config.maxNumSeqs);
  }
  add('--max-inflight', config.maxInflight);
  add('--grace', config.grace);
  if (!config.upstream && config.vllmArgs.length > 0) flags.push('--', ...config.vllmArgs);
  return flags;
}

export function systemdUnit(config: AgentConfig, opts: SystemdUnitOptions = {}): string {
  const node = opts.node ?? process.execPath;
  const script = opts.script ?? fileURLToPath(new URL('../../bin/vllama.js', import.meta.url));
  const envFile = opts.envFile ?? SYSTEMD_ENV_FILE;
  const user = 'user' in opts ? opts.user : currentUser();
  const vllm = resolveOnPath(config.vllm, opts.path);
  const notes: string[] = [];
  if (!config.upstream && !vllm) notes.push(`# NOTE: "${config.vllm}" is not on PATH here; pass --vllm /absolute/path/to/vllm.`);
  if (!config.upstream && vllm && !isAbsolute(config.vllm)) notes.push(`# vllm resolved on the current PATH: ${vllm}`);
  const argv = [node, script, 'agent', ...agentFlags(config, vllm ?? config.vllm)];
  // systemd must wait out the drain and vLLM's own SIGTERM→SIGKILL delay before its final SIGKILL.
  const stopTimeout = Math.ceil(config.grace + VLLM_KILL_AFTER_MS / 1000 + 15);
  return [
    '# vllama agent: save as /etc/systemd/system/vllama-agent.service, then',
    `#   install -m 600 /dev/null ${envFile} && echo 'VLLAMA_TOKEN=<agent token>' > ${envFile}`,
    '#   systemctl daemon-reload && systemctl enable --now vllama-agent',
    ...notes,
    '[Unit]',
    'Description=vllama agent: serves this GPU host (vLLM) through an edge',
    'After=network-online.target',
    'Wants=network-online.target',
    // A give-up on a vLLM crash loop exits non-zero; systemd retries the whole agent a few times, then stops.
    'StartLimitIntervalSec=600',
    'StartLimitBurst=3',
    '',
    '[Service]',
    'Type=simple',
    ...(user ? [`User=${user}`] : []),
    `EnvironmentFile=${envFile}`,
    `ExecStart=${argv.map(systemdQuote).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=10',
    // mixed: SIGTERM goes to the agent alone, which drains streams and then stops vLLM
    // itself; the default control-group mode would signal vLLM at the same moment.
    'KillMode=mixed',
    'KillSignal=SIGTERM',
    `TimeoutStopSec=${stopTimeout}`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

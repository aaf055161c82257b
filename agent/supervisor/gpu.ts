// GPU facts for `hello.gpus`, from nvidia-smi where it exists; a host without
// an NVIDIA GPU (or without the driver tools) simply reports none.
import { execa } from 'execa';
import type { GpuInfo } from '../../protocol/index';

export type { GpuInfo };

/** Runs a command and returns its stdout, or undefined when it is missing or fails. */
export type RunCommand = (file: string, args: string[]) => Promise<string | undefined>;

const runNvidiaSmi: RunCommand = async (file, args) => {
  // A hung driver can make nvidia-smi block for a long time; facts are not worth waiting for.
  const res = await execa(file, args, { reject: false, timeout: 10_000, stdin: 'ignore' });
  return res.failed ? undefined : res.stdout;
};

/** Parses `nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits`. */
export function parseNvidiaSmi(csv: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const line of csv.split('\n')) {
    if (!line.trim()) continue;
    // The name comes first and may itself contain commas; memory is the last field.
    const cut = line.lastIndexOf(',');
    const name = (cut >= 0 ? line.slice(0, cut) : line).trim();
    const memory = cut >= 0 ? Number(line.slice(cut + 1).trim()) : NaN;
    if (!name) continue;
    gpus.push(Number.isFinite(memory) && memory >= 0 ? { name, memoryMiB: memory } : { name });
  }
  return gpus;
}

/** The host's GPUs, or `[]`; never throws. */
export async function queryGpus(run: RunCommand = runNvidiaSmi): Promise<GpuInfo[]> {
  try {
    const out = await run('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader,nounits']);
    return out ? parseNvidiaSmi(out).slice(0, 64) : [];
  } catch {
    return [];
  }
}

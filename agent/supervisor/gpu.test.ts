import { describe, expect, it } from 'vitest';
import { parseNvidiaSmi, queryGpus } from './gpu';

describe('parseNvidiaSmi', () => {
  it('reads one GPU per line with its memory in MiB', () => {
    expect(parseNvidiaSmi('NVIDIA GeForce RTX 4090, 24564\nNVIDIA H200, 143771\n')).toEqual([
      { name: 'NVIDIA GeForce RTX 4090', memoryMiB: 24564 },
      { name: 'NVIDIA H200', memoryMiB: 143771 },
    ]);
  });

  it('keeps a name that contains commas and drops a memory it cannot read', () => {
    expect(parseNvidiaSmi('Odd, Name, 1024\nGPU X, [N/A]\n\n')).toEqual([{ name: 'Odd, Name', memoryMiB: 1024 }, { name: 'GPU X' }]);
  });
});

describe('queryGpus', () => {
  it('asks nvidia-smi for name and total memory as bare CSV', async () => {
    const calls: string[][] = [];
    const gpus = await queryGpus(async (file, args) => (calls.push([file, ...args]), 'NVIDIA A100-SXM4-80GB, 81920\n'));
    expect(calls).toEqual([['nvidia-smi', '--query-gpu=name,memory.total', '--format=csv,noheader,nounits']]);
    expect(gpus).toEqual([{ name: 'NVIDIA A100-SXM4-80GB', memoryMiB: 81920 }]);
  });

  it.each([
    ['is missing', async () => undefined],
    ['throws', async () => Promise.reject(new Error('spawn nvidia-smi ENOENT'))],
  ])('reports no GPUs when nvidia-smi %s', async (_how, run) => {
    expect(await queryGpus(run)).toEqual([]);
  });

  it('never fails on this host, GPU or not', async () => {
    expect(Array.isArray(await queryGpus())).toBe(true);
  });
});

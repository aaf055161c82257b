import { describe, expect, it } from 'vitest';
import { closeReason, MAX_CLOSE_REASON_BYTES } from './close-reason';

const bytes = (s: string) => new TextEncoder().encode(s).byteLength;

describe('closeReason', () => {
  it('keeps a short reason as it is', () => {
    expect(closeReason('edge restarting')).toBe('edge restarting');
  });

  it('cuts a long reason to 123 bytes of UTF-8 without splitting a character', () => {
    const cut = closeReason('é'.repeat(100));
    expect(bytes(cut)).toBeLessThanOrEqual(MAX_CLOSE_REASON_BYTES);
    expect(cut).toBe('é'.repeat(61));
    expect(closeReason('x'.repeat(500))).toBe('x'.repeat(123));
  });
});

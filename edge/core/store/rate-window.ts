// Sliding window counter arithmetic, as Cloudflare's rate limiting describes
// it: the previous fixed window's count weighted by how much of it still
// overlaps the last window length, plus the current count. O(1) per key, and
// unlike a plain fixed window it does not let 2 × limit through at a boundary.

export interface RateWindow {
  /** Start of the current fixed window (aligned to the window length). */
  start: number;
  current: number;
  previous: number;
}

/** Moves `w` to the fixed window holding `now`; the old current becomes previous only if adjacent. */
export function roll(w: RateWindow, now: number, windowMs: number): RateWindow {
  const start = now - (now % windowMs);
  if (w.start === start) return w;
  w.previous = start - w.start === windowMs ? w.current : 0;
  w.current = 0;
  w.start = start;
  return w;
}

/** The count over the last window length at `now` (w already rolled to now). */
export function estimate(w: RateWindow, now: number, windowMs: number): number {
  return w.previous * (1 - (now - w.start) / windowMs) + w.current;
}

/** ms from `now` until the estimate is at most `room`: prev·(1 − t/W) + cur ≤ room, solved for t. */
export function waitMs(w: RateWindow, room: number, now: number, windowMs: number): number {
  const W = windowMs;
  const elapsed = now - w.start;
  if (estimate(w, now, W) <= room) return 0;
  const wait =
    w.current <= room
      ? W * (1 - (room - w.current) / w.previous) - elapsed
      : // This window is over the room: wait for the next one, where this one's count becomes the weighted part.
        W - elapsed + W * (1 - room / w.current);
  return Number.isFinite(wait) ? Math.max(0, wait) : W;
}

/** ms from `now` until the window weighs nothing (both fixed windows slid out). */
export function emptyMs(w: RateWindow, now: number, windowMs: number): number {
  const elapsed = now - w.start;
  if (w.current > 0) return 2 * windowMs - elapsed;
  if (w.previous > 0) return windowMs - elapsed;
  return 0;
}

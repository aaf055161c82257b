/** The project root (the directory above bin/). */
export const root: string;
/** Path of an up-to-date bundle of `entry` (relative to the root) at dist/`out`, built if stale. */
export function bundle(entry: string, out: string): Promise<string>;
/** Imports `entry` from its bundle, or through tsx when the bundle cannot be had. */
export function runEntry(entry: string, out: string): Promise<void>;

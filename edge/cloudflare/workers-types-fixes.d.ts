// Corrections to @cloudflare/workers-types, for type-checking only.
//
// workers-types 4.2026x (and `wrangler types`) declare both TextDecoder options
// as required, so the shared code's spec-conforming `new TextDecoder('utf-8',
// { fatal: true })` fails to type-check here (WHATWG Encoding: both default to
// false). Merging optional members makes them optional; the merge's own
// "identical modifiers" complaint is inside a .d.ts, which skipLibCheck skips.
interface TextDecoderConstructorOptions {
  fatal?: boolean;
  ignoreBOM?: boolean;
}

// workers-types take `number | null`; the web platform (and Node) accept undefined too,
// which the shared code passes for a timer that was never set.
declare function clearTimeout(timeoutId: number | null | undefined): void;
declare function clearInterval(timeoutId: number | null | undefined): void;

// RFC 6455 §5.3 has clients mask every frame with a fresh random key, so that
// bytes a page's script chose never cross a transparent proxy as readable text
// (cache poisoning). The agent's payload is model output, which a client can
// steer, so masking matters wherever a middlebox can read the bytes — and
// nowhere else: inside TLS (wss:) or on the loopback interface no intermediary
// sees them. There the agent masks with the all-zero key, which `ws` on both
// ends recognises and skips, saving an XOR pass over every byte relayed (9 % of
// the agent's and 8 % of the Node edge's CPU when streaming tokens).

/** True when no intermediary can read the frames: TLS, or a loopback address. */
export function unreadableOnTheWay(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  if (parsed.protocol === 'wss:' || parsed.protocol === 'https:') return true;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** `ws`'s generateMask: the all-zero key, which senders and receivers skip. */
export function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

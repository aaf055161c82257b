// What an AgentLink is told at birth and what it tells the Hub back.
import type { Hello } from '../../../protocol/index';
import type { AgentLink } from './agent-link';

/** What a link tells the Hub. */
export interface LinkEvents {
  /** Handshake done (or restored): the agent may get streams. */
  live(link: AgentLink): void;
  /** A new hello or a drain changed what the agent offers. */
  changed(link: AgentLink, previous: Hello): void;
  /** A stream ended: a slot is free. */
  capacity(link: AgentLink): void;
  /** The socket is gone; the link's streams are being failed or retried. */
  closed(link: AgentLink): void;
}

export interface LinkOptions {
  schedule: (fn: () => void) => void;
  /** HubOptions.directBodies. */
  directBodies?: boolean;
  now: () => number;
  log: (line: string) => void;
  /** HubOptions.headTimeoutMs. */
  headTimeoutMs?: number;
  /** HubOptions.drainTimeoutMs. */
  drainTimeoutMs?: number;
  /** HubOptions.heartbeatMs: the interval `welcome` asks the agent to use. */
  heartbeatMs?: number;
}

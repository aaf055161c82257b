// What a relayed stream needs from its agent connection (AgentLink is the one):
// the contract between edge/core/relay and edge/core/link.
import type { DeadlineQueue, Frame } from '../../../protocol/index';
import type { RelayStream } from './relay-stream';

/** What a stream needs from its agent connection. */
export interface StreamLink {
  readonly initialWindow: number;
  send(frame: Frame): void;
  /** The stream is over on this connection: free its slot. */
  release(stream: RelayStream): void;
  /** Runs `fn` at the end of this turn. */
  schedule(fn: () => void): void;
  /** HubOptions.directBodies: respond without a web stream; the host writes the RelayBody itself. */
  readonly directBodies: boolean;
  /** How long the agent may take to send `response` (`ms`), then 504: one queue for the link's streams. */
  readonly headDeadlines: DeadlineQueue;
  /** The socket is backed up: body uploads wait. */
  readonly congested: boolean;
  /** Calls `stream.resume()` once the socket drains. */
  waitForDrain(stream: RelayStream): void;
}

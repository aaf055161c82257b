// An agent's hibernatable WebSocket as the Hub's AgentSocket. The agent's hello
// and link memory ride in the socket's attachment, so a Durable Object that woke
// from hibernation (memory gone, socket kept by the runtime) can restore the agent.
import type { Hello } from '../../protocol/index';
import type { AgentSocket, LinkMemory } from '../core/hub/index';

/** Tag of every agent socket; each also carries its connection id as a second tag. */
export const AGENT_TAG = 'agent';

/**
 * Attachments are capped at 16 KiB (Cloudflare DO WebSocket docs). A hello may
 * name 256 models of 256 chars, more than that; one whose JSON passes this
 * bound goes to the object's synchronous KV storage instead.
 */
const MAX_INLINE_ATTACHMENT = 12 * 1024;

interface Attachment {
  connId: string;
  hello?: Hello;
  /** KV key holding the hello when it was too big to inline. */
  helloKey?: string;
  memory?: LinkMemory;
}

export interface RestoredAgent {
  connId: string;
  hello?: Hello;
  memory?: LinkMemory;
}

const encoder = new TextEncoder();

/** Stamps a freshly accepted socket with its connection id, before any hello. */
export function initAttachment(ws: WebSocket, connId: string): void {
  ws.serializeAttachment({ connId } satisfies Attachment);
}

/** The connection id of an agent socket (its second tag). */
export function connIdOf(ctx: DurableObjectState, ws: WebSocket): string | undefined {
  return ctx.getTags(ws).find((tag) => tag !== AGENT_TAG);
}

export function agentSocket(ws: WebSocket, connId: string, kv: SyncKvStorage): AgentSocket {
  return {
    // workerd reports neither a send callback nor a send buffer: the Hub cannot see a
    // backlog here, so only the control-rate limit and the runtime's own limits apply.
    send(message) {
      ws.send(message);
    },
    sendText(text) {
      ws.send(text);
    },
    close(code, reason) {
      ws.close(code, reason);
    },
    // Workers' WebSocket does not report its send buffer.
    bufferedAmount: 0,
    remember(hello, memory) {
      const inline: Attachment = { connId, hello, memory };
      if (encoder.encode(JSON.stringify(inline)).byteLength <= MAX_INLINE_ATTACHMENT) {
        forgetAgent(ws, kv);
        ws.serializeAttachment(inline);
        return;
      }
      kv.put(helloKey(connId), hello);
      ws.serializeAttachment({ connId, helloKey: helloKey(connId), memory } satisfies Attachment);
    },
  };
}

/** What a socket's attachment says about its agent; undefined when it has none (not one of ours). */
export function restoreAgent(ws: WebSocket, kv: SyncKvStorage): RestoredAgent | undefined {
  const att = ws.deserializeAttachment() as Attachment | null;
  if (!att?.connId) return undefined;
  const hello = att.hello ?? (att.helloKey ? kv.get<Hello>(att.helloKey) : undefined);
  return { connId: att.connId, hello, memory: att.memory };
}

/** Drops the hello a socket kept in storage, if it kept one (a closed socket, or a hello that shrank). */
export function forgetAgent(ws: WebSocket, kv: SyncKvStorage): void {
  const key = (ws.deserializeAttachment() as Attachment | null)?.helloKey;
  if (key) kv.delete(key);
}

function helloKey(connId: string): string {
  return `agent-hello:${connId}`;
}

// Limits and defaults of protocol v1, shared by edge and agent.

/** The protocol versions this build speaks; `hello` offers them, `welcome` picks one. */
export const PROTOCOL_VERSIONS = [1] as const;

/** Frame header: u32 length | u8 type | u32 stream. `length` counts type + stream + payload. */
export const FRAME_HEADER_BYTES = 9;

/**
 * Largest `data` payload a sender puts in one frame. 256 KiB keeps one large
 * body from holding the socket for long while other streams wait (ARCHITECTURE.md).
 */
export const MAX_DATA_CHUNK = 256 * 1024;

/** Largest control payload (JSON); a `request` carries headers only, bodies go in `data`. */
export const MAX_CONTROL_PAYLOAD = 64 * 1024;

/** Largest frame payload a receiver accepts; anything bigger is a protocol violation (close 1009). */
export const MAX_FRAME_PAYLOAD = MAX_DATA_CHUNK;

/**
 * Largest WebSocket message a sender builds when coalescing frames. Workers cap
 * a received message at 32 MiB (earlier 1 MiB); 1 MiB stays under both.
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/**
 * Longest a request or response frame waits for others to share its message
 * while the sender's turn goes on (FrameBatcher): a burst of requests reaches
 * the agent as the edge parses it, not after the last one, and the first
 * responses of a burst reach the edge as they come (issue 17; README, round 5,
 * has what it did to batch times: 0.5 ms was no better than 1).
 */
export const BATCH_HOLD_MS = 1;

/**
 * Credit each side starts with per stream, in body bytes. 256 KiB is one max
 * data chunk: enough for a whole SSE completion of thousands of tokens without
 * a round trip, small enough that 1,000 slow readers cost at most 256 MiB.
 */
export const INITIAL_STREAM_WINDOW = 256 * 1024;

/** Interval between heartbeats; a peer silent for 3 intervals is dead (ws's own ping/pong pattern). */
export const HEARTBEAT_INTERVAL_MS = 15_000;

// Frame type codes of protocol v1. The table is the single source: codec and
// schemas both key off it.

export const FrameType = {
  hello: 1,
  welcome: 2,
  request: 3,
  response: 4,
  data: 5,
  end: 6,
  error: 7,
  cancel: 8,
  window: 9,
  drain: 10,
  ping: 11,
  pong: 12,
} as const;

export type FrameTypeName = keyof typeof FrameType;
export type FrameTypeCode = (typeof FrameType)[FrameTypeName];
export type ControlTypeName = Exclude<FrameTypeName, 'data'>;

const names = new Map<number, FrameTypeName>(
  Object.entries(FrameType).map(([name, code]) => [code, name as FrameTypeName]),
);

export function frameTypeName(code: number): FrameTypeName | undefined {
  return names.get(code);
}

/** Stream 0 carries connection-level frames (hello, welcome, drain, ping, pong). */
export const CONNECTION_STREAM = 0;

export interface Frame {
  type: FrameTypeCode;
  stream: number;
  payload: Uint8Array;
}

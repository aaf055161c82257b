// Protocol v1 between edge and agent: the only code both sides share.
export * from './defaults';
export * from './limits';
export * from './errors';
export * from './frame-types';
export * from './frame-codec';
export * from './control';
export * from './version';
export * from './frame-batcher';
export * from './stream-window';
export * from './headers';
export * from './bytes';
export * from './stream-table';
export * from './zod-issue';
export * from './close-reason';
export * from './usage-hint';
export * from './deadlines';
export * from './pending-counts';

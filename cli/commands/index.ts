// The table of `vllama` subcommands; each lives in its own file.
import type { Command } from '../command';
import { agent } from './agent';
import { dev } from './dev';
import { sim } from './sim';
import { edge } from './edge';
import { keyCreate } from './key-create';
import { keyRevoke } from './key-revoke';
import { keyList } from './key-list';
import { keyRotate } from './key-rotate';
import { usage } from './usage';
import { agents } from './agents';
import { status } from './status';
import { tenantCreate } from './tenant-create';
import { tenantList } from './tenant-list';

export const commands: Command[] = [
  dev, agent, sim, edge, tenantCreate, tenantList, keyCreate, keyList, keyRevoke, keyRotate, usage, agents, status,
];

// The table of `vllama` subcommands; each lives in its own file.
import type { Command } from '../command';
import { agent } from './agent';
import { dev } from './dev';
import { sim } from './sim';
import { edge } from './edge';
import { keyCreate } from './key-create';
import { keyRevoke } from './key-revoke';
import { tenantCreate } from './tenant-create';
import { tenantList } from './tenant-list';

export const commands: Command[] = [dev, agent, sim, edge, tenantCreate, tenantList, keyCreate, keyRevoke];

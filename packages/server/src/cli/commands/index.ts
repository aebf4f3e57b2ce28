import type { Command } from 'commander';
import { registerBillingCommands } from './billing.js';
import { registerHierarchyCommands } from './hierarchy.js';
import { registerHwkeyCommand } from './hwkey.js';
import { registerKeysCommands } from './keys.js';
import { registerLicenseCommands } from './license.js';
import { registerModuleCommands } from './module.js';
import { registerNodeApiCommands } from './node-api.js';
import { registerServeCommand, type StartNode } from './serve.js';
import { registerTokenCommands } from './token.js';
import { registerWebhookCommands } from './webhook.js';

/** Adds every subcommand to the program; each command lives in its own file. `serve` starts nodes with `startNode`. */
export function registerCommands(program: Command, startNode: StartNode): void {
  registerModuleCommands(program);
  registerHwkeyCommand(program);
  registerKeysCommands(program);
  registerLicenseCommands(program);
  registerServeCommand(program, startNode);
  registerNodeApiCommands(program);
  registerHierarchyCommands(program);
  registerTokenCommands(program);
  registerBillingCommands(program);
  registerWebhookCommands(program);
}

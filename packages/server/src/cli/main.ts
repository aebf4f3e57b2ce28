#!/usr/bin/env node
// The process entry (the bin and the tests start this file): with src/main/ it is the composition root, the only
// place that hands the CLI the node it starts.
import { Command, CommanderError } from 'commander';
import { CliError, EXIT } from './cli-error.js';
import { startNode } from '../main/start-node.js';
import { registerCommands } from './commands/index.js';

/** Builds the `licensor` program with every subcommand. */
export function buildProgram(): Command {
  const program = new Command('licensor')
    .description('Licensor: license server, license files and hardware keys for multi-application suites')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({
      // Commander's own errors (unknown option, missing argument) read like every other failure: one `licensor: …` line.
      outputError: (s, write) =>
        write(
          `licensor: ${
            s
              .replace(/^error: /, '')
              .trim()
              .split('\n')[0]
          }\n`,
        ),
    });
  registerCommands(program, startNode);
  return program;
}

/** Runs the CLI; expected failures print one line `licensor: <message>` and exit non-zero. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode =
        err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help'
          ? 0
          : EXIT.BAD_INPUT;
      return;
    }
    if (err instanceof CliError) {
      process.stderr.write(`licensor: ${err.message}\n`);
      process.exitCode = err.exitCode;
      return;
    }
    throw err;
  }
}

await main(process.argv);

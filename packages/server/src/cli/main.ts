#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { registerCommands } from './commands/index.js';

/** Builds the `licensor` program with every subcommand. */
export function buildProgram(): Command {
  const program = new Command('licensor')
    .description('Licensor: license server, license files and hardware keys for multi-application suites')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ outputError: (s, write) => write(s) });
  registerCommands(program);
  return program;
}

/** Runs the CLI; expected failures print one line `licensor: <message>` and exit non-zero. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? 0 : err.exitCode || 1;
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

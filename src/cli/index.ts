/**
 * The heroflow command line: the only place that wires parts together from configuration.
 * Exit codes: 0 done, 1 failure, 2 bad flags or settings.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isHeroflowError } from '../errors.js';
import { registerClean } from './commands/clean.js';
import { registerConsume } from './commands/consume.js';
import { registerDashboard } from './commands/dashboard.js';
import { registerDb } from './commands/db.js';
import { registerDemo } from './commands/demo.js';
import { registerFanout } from './commands/fanout.js';
import { registerPlayer } from './commands/player.js';
import { registerPlayers } from './commands/players.js';
import { registerProduce } from './commands/produce.js';
import { registerPub } from './commands/pub.js';
import { registerQuery } from './commands/query.js';
import { registerServer } from './commands/server.js';
import { registerSub } from './commands/sub.js';
import { registerWorker } from './commands/worker.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('heroflow')
    .description(
      'Stream the logs of a superhero combat simulator through any message broker into Parquet, and measure which broker serves that job best.',
    )
    .version(version())
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerDemo(program);
  registerFanout(program);
  registerWorker(program);
  registerServer(program);
  registerPlayer(program);
  registerPlayers(program);
  registerDb(program);
  registerClean(program);
  registerPub(program);
  registerSub(program);
  registerProduce(program);
  registerConsume(program);
  registerDashboard(program);
  registerQuery(program);
  for (const cmd of program.commands) cmd.exitOverride().showHelpAfterError('(run with --help for usage)');
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are exits too; anything else commander rejects is a usage error.
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      ) {
        return 0;
      }
      return 2;
    }
    if (isHeroflowError(err)) {
      console.error(`heroflow: ${err.message}`);
      if (err.cause)
        console.error(`  cause: ${err.cause instanceof Error ? err.cause.message : String(err.cause)}`);
      return err.exitCode;
    }
    throw err;
  }
}

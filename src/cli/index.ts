/**
 * The heroflow command line: the only place that wires parts together from configuration.
 * Exit codes: 0 done, 1 failure, 2 bad flags or settings.
 *
 * A command's module defines its flags with light imports only, and its action imports the parts it runs
 * (`await import(...)`) once its settings are read: a process loads one command's libraries, not all of
 * them. Every worker of a group pays its process's start, and the other commands' libraries were half of
 * it (docs/performance.md, "What a worker costs to start"; test/cli/startup.test.ts holds the rule).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { HeroflowError, isHeroflowError } from '../errors.js';
import { registerBench } from './commands/bench.js';
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
import { registerWorkloads } from './commands/workloads.js';

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
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(`heroflow: ${text.replace(/^error: /, '').trimEnd()} [HF_USAGE]\n`),
    });
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
  registerBench(program);
  registerWorkloads(program);
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
      // Help and version are exits too; anything else commander rejects is a usage error (it printed why).
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      ) {
        return 0;
      }
      return new HeroflowError('HF_USAGE', err.message).exitCode;
    }
    return reportFailure(err);
  }
}

/**
 * One line per failure, with its code, never a stack trace (HEROFLOW_DEBUG=1 adds it): an error heroflow
 * did not foresee is reported as HF_UNEXPECTED with its message.
 */
export function reportFailure(err: unknown): number {
  const failure = isHeroflowError(err)
    ? err
    : new HeroflowError('HF_UNEXPECTED', err instanceof Error ? err.message : String(err), { cause: err });
  console.error(`heroflow: ${failure.message} [${failure.code}]`);
  const cause = failure.cause;
  if (cause !== undefined && failure.code !== 'HF_UNEXPECTED') {
    console.error(`  cause: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (process.env.HEROFLOW_DEBUG) console.error(cause instanceof Error ? cause.stack : failure.stack);
  else if (failure.code === 'HF_UNEXPECTED') {
    console.error(
      '  this is a bug in heroflow; run again with HEROFLOW_DEBUG=1 for the stack trace and report it',
    );
  }
  return failure.exitCode;
}

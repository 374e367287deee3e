/**
 * The process's shutdown order (seed 004, all parts): stop pulling → let in-flight tasks finish → ack/nack
 * → close the consumers (all inside `manager.shutdown()`) → close producers → close the client. Every step
 * gets the same timeout; a step still running then is abandoned and logged, and the next one goes on, so a
 * stuck task cannot hold the process forever. `heroflow workloads` runs it on SIGINT/SIGTERM.
 */
import type { LogFn } from './runner.js';

export interface ShutdownStep {
  name: string;
  run: () => Promise<void>;
}

export interface StepReport {
  name: string;
  outcome: 'done' | 'timed-out' | 'failed';
}

export async function shutdownInOrder(
  steps: ShutdownStep[],
  timeoutMs: number,
  log?: LogFn,
): Promise<StepReport[]> {
  const out: StepReport[] = [];
  for (const step of steps) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'timed-out'>((res) => {
      timer = setTimeout(() => res('timed-out'), timeoutMs);
    });
    const outcome = await Promise.race([step.run().then(() => 'done' as const), late]).catch(
      (err: unknown) => {
        log?.('error', `shutdown: ${step.name} failed`, { error: (err as Error)?.message ?? String(err) });
        return 'failed' as const;
      },
    );
    clearTimeout(timer);
    if (outcome === 'timed-out') log?.('warn', `shutdown: ${step.name} force-closed after ${timeoutMs} ms`);
    else log?.('info', `shutdown: ${step.name} ${outcome}`);
    out.push({ name: step.name, outcome });
  }
  return out;
}

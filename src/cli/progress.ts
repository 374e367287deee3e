/**
 * Progress bars on long runs: a bar on a terminal, and a plain line every few seconds elsewhere
 * (CI logs, pipes) so that a long run still shows it is alive.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, payload?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
}

export function createProgress(label: string, total: number, unit: string): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label.padEnd(10)} [{bar}] {percentage}% | {value}/{total} ${unit} | {rate}/s | eta {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    const started = Date.now();
    bar.start(total, 0, { rate: 0 });
    return {
      update: (value, payload) =>
        bar.update(value, {
          rate: Math.round(value / Math.max(0.001, (Date.now() - started) / 1000)),
          ...payload,
        }),
      setTotal: (t) => bar.setTotal(t),
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  let value = 0;
  let current = total;
  const print = () => process.stderr.write(`${label}: ${value}/${current} ${unit}\n`);
  return {
    update: (v) => {
      value = v;
      if (Date.now() - last > 5000) {
        last = Date.now();
        print();
      }
    },
    setTotal: (t) => {
      current = t;
    },
    stop: () => print(),
  };
}

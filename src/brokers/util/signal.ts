/**
 * A one-shot wake-up that many waiters can share: `notify()` releases everyone waiting now. Lets pull
 * loops sleep without polling (no busy loop, no timer while idle unless a deadline was asked for).
 */
export class Signal {
  private waiters: Array<() => void> = [];

  /** Resolves `true` when notified, `false` when `timeoutMs` passed first. */
  wait(timeoutMs?: number): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const wake = () => {
        if (timer) clearTimeout(timer);
        resolve(true);
      };
      this.waiters.push(wake);
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        timer = setTimeout(
          () => {
            const i = this.waiters.indexOf(wake);
            if (i >= 0) this.waiters.splice(i, 1);
            resolve(false);
          },
          Math.max(0, timeoutMs),
        );
      }
    });
  }

  notify(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  get waiting(): number {
    return this.waiters.length;
  }
}

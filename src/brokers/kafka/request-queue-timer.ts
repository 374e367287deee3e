/**
 * kafkajs 2.2.4's request queue re-arms a timer after every response, whether a request waits or not. With
 * nothing pending and no throttle its delay is `-1 - Date.now()`, which Node runs as 1 ms, and each run
 * re-arms it: every connection that has had a response wakes the process every millisecond for the rest
 * of its life (kafkajs issues 1556 and 1704; the same negative delay is issue 1751's TimeoutNegativeWarning).
 * A worker spent ~4 % of a core on it while idle (docs/performance.md, "What a worker costs to start").
 *
 * The timer only exists to send pending requests once a throttle ends, so it is armed only then: when a
 * request is pending (kafkajs' own rule: at the throttle's end, else after its 10 ms interval), or while a
 * throttle lasts. A request that arrives later arms it itself (`push`), and every response checks the
 * queue again (`fulfillRequest`), as before. If kafkajs moves the module, its own method stays and
 * `requestQueueTimerFixed()` says so (test/brokers/kafka-request-queue-timer.test.ts).
 */
import { createRequire } from 'node:module';

interface RequestQueue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  scheduleCheckPendingRequests(): void;
}

function fix(): boolean {
  let proto: RequestQueue;
  try {
    const queueClass = createRequire(import.meta.url)('kafkajs/src/network/requestQueue') as {
      prototype: RequestQueue;
    };
    proto = queueClass.prototype;
  } catch {
    return false;
  }
  const original = proto.scheduleCheckPendingRequests;
  if (typeof original !== 'function') return false;
  proto.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueue) {
    if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
    original.call(this);
  };
  return true;
}

const fixed = fix();

/** Whether kafkajs' request queue arms its timer only when something waits (see above). */
export const requestQueueTimerFixed = (): boolean => fixed;

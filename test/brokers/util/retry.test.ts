import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectWithRetry, retryWhile } from '../../../src/brokers/util/retry.js';
import { HeroflowError } from '../../../src/errors.js';

describe('connectWithRetry', () => {
  it('retries until the connect succeeds', async () => {
    let attempts = 0;
    const result = await connectWithRetry(
      async () => {
        attempts++;
        if (attempts < 3) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return 'client';
      },
      { url: 'redis://127.0.0.1:6379', initialDelayMs: 1, timeoutMs: 5_000 },
    );
    assert.equal(result, 'client');
    assert.equal(attempts, 3);
  });

  it('ends in HF_BROKER_UNREACHABLE naming the redacted URL and the cause', async () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5672'), { code: 'ECONNREFUSED' });
    await assert.rejects(
      connectWithRetry(
        async () => {
          throw cause;
        },
        { url: 'amqp://guest:secret@127.0.0.1:5672', timeoutMs: 30, initialDelayMs: 5 },
      ),
      (error: unknown) => {
        assert.ok(error instanceof HeroflowError);
        assert.equal(error.code, 'HF_BROKER_UNREACHABLE');
        assert.match(error.message, /amqp:\/\/guest:\*\*\*@127\.0\.0\.1:5672/);
        assert.doesNotMatch(error.message, /secret/);
        assert.match(error.message, /ECONNREFUSED/);
        assert.match(error.message, /HEROFLOW_BROKER/);
        assert.equal(error.cause, cause);
        return true;
      },
    );
  });

  it('does not retry fatal errors', async () => {
    let attempts = 0;
    await assert.rejects(
      connectWithRetry(
        async () => {
          attempts++;
          throw new Error('ACCESS_REFUSED');
        },
        { url: 'amqp://x', isFatal: (e) => String(e).includes('ACCESS_REFUSED'), initialDelayMs: 1 },
      ),
      /ACCESS_REFUSED/,
    );
    assert.equal(attempts, 1);
  });
});

describe('retryWhile', () => {
  const transient = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const isTransient = (e: unknown) => (e as { code?: string }).code === 'ECONNREFUSED';

  it('runs the step again while its failures are retryable, and says each retry', async () => {
    const retried: number[] = [];
    const result = await retryWhile(
      async (attempt) => {
        if (attempt < 3) throw transient();
        return attempt;
      },
      { retryable: isTransient, budgetMs: 5_000, pauseMs: () => 1, onRetry: (n) => retried.push(n) },
    );
    assert.equal(result, 3);
    assert.deepEqual(retried, [1, 2]);
  });

  it('throws a failure that is not retryable at once', async () => {
    let attempts = 0;
    const fatal = new Error('topic authorization failed');
    await assert.rejects(
      retryWhile(
        async () => {
          attempts++;
          throw fatal;
        },
        { retryable: isTransient, budgetMs: 5_000, pauseMs: () => 1 },
      ),
      (e) => e === fatal,
    );
    assert.equal(attempts, 1);
  });

  it('throws the last failure once the budget is spent', async () => {
    let attempts = 0;
    await assert.rejects(
      retryWhile(
        async () => {
          attempts++;
          throw transient();
        },
        { retryable: isTransient, budgetMs: 30, pauseMs: () => 5 },
      ),
      /ECONNREFUSED/,
    );
    assert.ok(attempts >= 2, `${attempts} attempts`);
  });

  it('ends quietly with undefined once abandoned, after a failure or before the next attempt', async () => {
    let closing = false;
    let attempts = 0;
    const result = await retryWhile(
      async () => {
        attempts++;
        throw transient();
      },
      {
        retryable: isTransient,
        budgetMs: 5_000,
        pauseMs: () => 1,
        onRetry: () => {
          closing = true; // closed during the pause: no further attempt
        },
        abandon: () => closing,
      },
    );
    assert.equal(result, undefined);
    assert.equal(attempts, 1);
  });
});

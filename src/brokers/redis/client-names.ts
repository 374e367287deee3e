/** Names the Redis adapters give: consumers, and the error for a closed broker or subscription. */
import { HeroflowError } from '../../errors.js';

export function closedError(what: string): HeroflowError {
  return new HeroflowError('HF_BROKER_CLOSED', `${what} is closed`);
}

/** Consumer names become part of channel names and XREADGROUP arguments: keep them short and printable. */
export function randomConsumerId(): string {
  return `c-${Math.random().toString(36).slice(2, 10)}`;
}

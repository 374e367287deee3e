/**
 * What every adapter's `subscribe` checks first: the mode is one it declares, and there is a topic.
 */
import { HeroflowError } from '../../errors.js';
import type { Capabilities, SubscribeOptions } from '../types.js';

/** HF_BROKER_UNSUPPORTED for a mode `capabilities` does not declare or an empty topic list. */
export function checkSubscribeOptions(
  broker: string,
  capabilities: Capabilities,
  options: SubscribeOptions,
): void {
  const mode = options.mode ?? 'shared';
  if (!capabilities.modes.includes(mode)) {
    throw new HeroflowError(
      'HF_BROKER_UNSUPPORTED',
      `${broker} supports subscribe modes ${capabilities.modes.join(', ')}, not '${mode}'.`,
    );
  }
  if (!Array.isArray(options.topics) || options.topics.length === 0) {
    throw new HeroflowError('HF_BROKER_UNSUPPORTED', 'subscribe needs at least one topic');
  }
}

/**
 * Flags from the settings table: each command names the settings it uses, gets their flags (with env
 * names and defaults in --help), and reads them back validated.
 */
import { type Command, Option } from 'commander';
import {
  resolveSettings,
  SETTINGS,
  type SettingDef,
  type SettingName,
  type Settings,
} from '../config/index.js';

function formatDefault(value: unknown): string {
  if (Array.isArray(value)) return value.join(',');
  return String(value);
}

function optionFor(name: SettingName): Option {
  const s = SETTINGS[name] as SettingDef;
  const option = new Option(s.flag, s.help);
  if (s.env) option.env(s.env);
  // The raw default goes through the same validation as a flag or env value.
  if (s.default !== undefined) option.default(s.default, formatDefault(s.default));
  return option;
}

export function addSettings(cmd: Command, names: readonly SettingName[]): Command {
  for (const name of names) cmd.addOption(optionFor(name));
  return cmd;
}

/** Validated settings for a command; throws HF_CONFIG_INVALID (exit 2) on a bad value. */
export function readSettings<K extends SettingName>(cmd: Command, names: readonly K[]): Settings<K> {
  const opts = cmd.opts();
  const raw: Partial<Record<K, unknown>> = {};
  for (const name of names) {
    const attr = new Option((SETTINGS[name] as SettingDef).flag).attributeName();
    raw[name] = opts[attr];
  }
  return resolveSettings(names, raw);
}

/** Whether a setting was given (flag or environment) or is its default: some settings exclude others. */
export function settingSource(cmd: Command, name: SettingName): 'given' | 'default' {
  const attr = new Option((SETTINGS[name] as SettingDef).flag).attributeName();
  const source = cmd.getOptionValueSource(attr);
  return source === undefined || source === 'default' ? 'default' : 'given';
}

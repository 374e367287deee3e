export { resolveOutputUrl } from './output.js';
export {
  describeSetting,
  PIPELINE_DEFAULTS,
  parseSetting,
  resolveSettings,
  SETTINGS,
  type SettingDef,
  type SettingName,
  type Settings,
} from './settings.js';
export { formatBytes, parseBytes, parseDurationMs } from './units.js';

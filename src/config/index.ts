export { resolveOutputUrl } from './output.js';
export {
  describeSetting,
  parseSetting,
  resolveSettings,
  SETTINGS,
  type SettingDef,
  type SettingName,
  type Settings,
} from './settings.js';
export { formatBytes, parseBytes, parseDurationMs } from './units.js';

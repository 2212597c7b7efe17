/** The mock's types that every adapter entry point re-exports (`sora-kit/msw`, `/server`, `/middleware`). */
export type {
  Feature,
  JobEvent,
  JobMediaPaths,
  JournalEntry,
  LicenseConfig,
  MediaLink,
  MockClock,
  ResolvedSoraMockOptions,
  ScenarioName,
  ScenarioRule,
  SoraMock,
  SoraMockEvents,
  SoraMockOptions,
  VideoJob,
  VideoView,
} from '../mock/types.js';

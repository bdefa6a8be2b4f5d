/**
 * The order the unit tests start in (jest.config.js): the longest files first, so that the two
 * workers finish together instead of one of them starting a 70-second file at the end. Jest's own
 * order uses the durations it cached on an earlier run; a clean clone (CI) has none and would sort by
 * file size, which says little here (the seeds' tests are short files that load the whole demo).
 * Durations measured on the CI machine's twin (2 cores, PGlite), in seconds; rough is enough.
 */
const Sequencer = require('@jest/test-sequencer').default;

const KNOWN_SECONDS = {
  'test/http/route-fuzz.test.ts': 78,
  'test/seeds/demo-seed-week.test.ts': 70,
  'test/seeds/demo-atomic.test.ts': 37,
  'test/seeds/demo-seed-edges.test.ts': 28,
  'test/http/route-matrix.test.ts': 24,
  'test/funder/reporting-cli.test.ts': 21,
  'test/aid-requests/journeys.test.ts': 20,
  'test/backup/backup.test.ts': 18,
  'test/backup/drill.test.ts': 14,
  'test/backup/offsite-job.test.ts': 14,
  'test/e-signature/flow.test.ts': 13,
  'test/aid-requests/transitions.test.ts': 11,
  'test/http/graceful-stop.test.ts': 10,
};

class LongestFirst extends Sequencer {
  async sort(tests) {
    const known = (t) => {
      const rel = t.path.slice(t.context.config.rootDir.length + 1);
      return KNOWN_SECONDS[rel] ?? 0;
    };
    const rest = await super.sort(tests.filter((t) => known(t) === 0));
    return [...tests.filter((t) => known(t) > 0).sort((a, b) => known(b) - known(a)), ...rest];
  }
}

module.exports = LongestFirst;

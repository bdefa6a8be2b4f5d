import { addEventHandler } from 'jest-circus';

/**
 * jest-light-runner (jest.config.js) calls each test and hook without a timeout: a test that hangs
 * would hold its worker for ever. This gives each one the limit Jest's own runner would (its third
 * argument, else TEST_TIMEOUT_MS), by wrapping the function circus has just recorded.
 */
export const TEST_TIMEOUT_MS = 30_000;

type Fn = (this: unknown) => unknown;

export function withTimeout(fn: Fn, ms: number, what: string): Fn {
  // a function taking `done` is left as it is (none here; the runner drives those itself)
  if (fn.length > 0) return fn;
  return function timed(this: unknown) {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} dépasse ${ms} ms (délai des tests)`)), ms);
    });
    return Promise.race([Promise.resolve().then(() => fn.call(this)), limit]).finally(() => clearTimeout(timer));
  };
}

interface Recorded {
  fn?: Fn;
  type?: string;
  name?: string;
}

addEventHandler((event, state) => {
  if (event.name === 'add_test') {
    const test = state.currentDescribeBlock.children.at(-1) as Recorded | undefined;
    if (test?.type === 'test' && test.fn) test.fn = withTimeout(test.fn, event.timeout ?? TEST_TIMEOUT_MS, `le test « ${event.testName} »`);
  } else if (event.name === 'add_hook') {
    const hook = state.currentDescribeBlock.hooks.at(-1) as Recorded | undefined;
    if (hook?.fn) hook.fn = withTimeout(hook.fn, event.timeout ?? TEST_TIMEOUT_MS, `le crochet ${event.hookType}`);
  }
});

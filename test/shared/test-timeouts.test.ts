import { withTimeout } from '../support/timeouts';

/** jest-light-runner has no timeout of its own: test/support/timeouts.ts gives each test and hook one. */
describe('the tests’ time limit', () => {
  it('fails a test that outlives its limit, with its name, and lets a quick one give its value', async () => {
    const hangs = withTimeout(() => new Promise(() => undefined), 50, 'le test « x »');
    await expect(Promise.resolve(hangs.call(undefined))).rejects.toThrow('le test « x » dépasse 50 ms (délai des tests)');
    const quick = withTimeout(() => Promise.resolve(42), 50, 'le test « y »');
    await expect(Promise.resolve(quick.call(undefined))).resolves.toBe(42);
  });

  it('leaves a function that takes a done callback to the runner', () => {
    const withDone = (done: () => void) => done();
    expect(withTimeout(withDone as never, 50, 'z')).toBe(withDone);
  });
});

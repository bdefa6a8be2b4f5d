import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written while serving a request carries: its id, and the user once known. */
export interface RequestContext {
  requestId: string;
  userId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

/** Runs `fn` (and everything it starts, awaited or not) inside the request's context. */
export const runInRequestContext = <T>(context: RequestContext, fn: () => T): T => storage.run(context, fn);

/** The context of the request being served, if any (a job or the command line has none). */
export const requestContext = (): RequestContext | undefined => storage.getStore();

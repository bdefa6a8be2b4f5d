import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';

/** A path segment made of literal characters only: no parameter, wildcard, group or escape. */
const LITERAL_SEGMENT = /^[a-z0-9._~-]*$/;

interface RouterLayer {
  route?: { path: unknown };
}

/**
 * The first path segments under which a router's routes can match (lower case, '' for `/` itself),
 * or null when it may answer anything: a middleware of its own (`router.use`), a nested router, a
 * regular expression, or a route whose first segment is not a literal (`/:id`, `/*rest`, `{/x}`).
 */
export function firstSegments(router: Router): Set<string> | null {
  const segments = new Set<string>();
  for (const layer of (router as unknown as { stack: RouterLayer[] }).stack) {
    if (!layer.route) return null;
    const paths = Array.isArray(layer.route.path) ? (layer.route.path as unknown[]) : [layer.route.path];
    for (const path of paths) {
      if (typeof path !== 'string' || !path.startsWith('/')) return null;
      const segment = path.slice(1).split('/')[0]?.toLowerCase() ?? '';
      if (!LITERAL_SEGMENT.test(segment)) return null;
      segments.add(segment);
    }
  }
  return segments;
}

/**
 * The areas' routers as one middleware: the same routers in the same order, each given the request
 * exactly as `app.use(router)` would, except those that cannot match it. Express tries every route
 * of every router in turn (34 routers, ~400 routes: ~0.2 ms of CPU on each page served by one of
 * the last); here a request whose first path segment is a literal goes only through the routers
 * that have a route under that segment (Express matches paths case-insensitively: so does this) or
 * that may answer anything (see firstSegments); a first segment that is not a literal (encoded
 * characters…) goes through every router, as before.
 */
export function areaRouters(routers: Router[]): RequestHandler {
  const plans = routers.map((router) => ({ router, segments: firstSegments(router) }));
  const bySegment = new Map<string, Router[]>();
  for (const segment of new Set(plans.flatMap((p) => [...(p.segments ?? [])]))) {
    bySegment.set(
      segment,
      plans.filter((p) => p.segments === null || p.segments.has(segment)).map((p) => p.router),
    );
  }
  const all = routers.slice();
  // a literal first segment no route has: only the routers that may answer anything can
  const anything = plans.filter((p) => p.segments === null).map((p) => p.router);
  const dispatch = (req: Request, res: Response, next: NextFunction) => {
    const segment = req.path.slice(1).split('/')[0]?.toLowerCase() ?? '';
    const chosen = LITERAL_SEGMENT.test(segment) ? (bySegment.get(segment) ?? anything) : all;
    let i = 0;
    const step = (err?: unknown): void => {
      // a router calls its `done` with an error, or with nothing when none of its routes answered
      // (or one of them called next('router')): the next router is tried, as the app's stack would
      if (err !== undefined && err !== null) return next(err);
      const router = chosen[i++];
      if (!router) return next();
      router(req, res, step);
    };
    step();
  };
  // the routers and what each was found to answer, for the tests that list the app's routes
  return Object.assign(dispatch, {
    routers: all as readonly Router[],
    routerSegments: plans.map((p) => p.segments),
  });
}

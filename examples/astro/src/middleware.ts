/**
 * coatcheck as Astro middleware, on the open/commit pair and nothing else: open a handle from the
 * request, give pages, endpoints and actions a loader of the session in `locals`, and commit it
 * onto the response the route made (a page, a redirect, an error page).
 */
import { defineMiddleware } from "astro:middleware";
import { sessions } from "./sessions";

export const onRequest = defineMiddleware(async (context, next) => {
  if (context.isPrerendered) return next(); // rendered at build time: no visitor, no session
  const handle = await sessions.open(context.request);
  context.locals.session = () => handle.session(); // lazy: a route that never asks reads nothing
  let response: Response;
  try {
    response = await next();
  } catch (error) {
    // The route threw. Close the handle without saving, so that the error page Astro renders next,
    // through this middleware and for the same request, can open the session again.
    handle.release();
    throw error;
  }
  return handle.commit(response);
});

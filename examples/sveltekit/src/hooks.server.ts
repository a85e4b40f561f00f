/**
 * coatcheck as SvelteKit's `handle` hook, on the open/commit pair and nothing else: open a handle
 * from the request, give loads, actions and endpoints a loader of the session in `event.locals`,
 * and commit it onto the response SvelteKit made (a page, a form action's redirect, an error page).
 */

import type { Handle } from "@sveltejs/kit";
import { building } from "$app/environment";
import { sessions } from "$lib/server/sessions";

export const handle: Handle = async ({ event, resolve }) => {
  if (building) return resolve(event); // prerendering at build time: no visitor, no session
  const handle = await sessions.open(event.request);
  event.locals.session = () => handle.session(); // lazy: a route that never asks reads nothing
  // `resolve` turns thrown redirects and errors into the response: a 5xx saves nothing.
  return handle.commit(await resolve(event));
};

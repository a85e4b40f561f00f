/** `/about` is rendered once at build time: it has no visitor, so it must not read the session. */
export const prerender = true;

/** `/logout`: the record is deleted and the cookie expired at commit. */
import type { APIRoute } from "astro";

export const POST: APIRoute = async ({ locals, redirect }) => {
  (await locals.session()).destroy();
  return redirect("/", 303);
};

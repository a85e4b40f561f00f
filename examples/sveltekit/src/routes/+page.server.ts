/** `/`: reads the session and changes nothing, so it sets no cookie. */
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  const session = await locals.session();
  return { cart: session.get("cart") ?? {}, user: session.user ?? null };
};

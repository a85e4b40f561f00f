/** `/boom`: changes the session, then fails. SvelteKit answers 500 and coatcheck saves nothing. */
import type { PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  const session = await locals.session();
  session.set("cart", {});
  throw new Error("the payment service is down");
};

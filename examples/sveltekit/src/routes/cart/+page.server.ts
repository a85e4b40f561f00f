/** `/cart`: the cart, and the `add` form action. */
import type { Actions, PageServerLoad } from "./$types";

export const load: PageServerLoad = async ({ locals }) => {
  const session = await locals.session();
  return { cart: session.get("cart") ?? {} };
};

export const actions: Actions = {
  add: async ({ request, locals }) => {
    const item = String((await request.formData()).get("item"));
    const session = await locals.session();
    // `update`, not get-then-set: on a store with compare-and-set, two tabs adding at once both count.
    session.update("cart", (cart = {}) => ({ ...cart, [item]: (cart[item] ?? 0) + 1 }));
    return { added: item };
  },
};

/** `/login`: a new session id on privilege change, then a redirect that carries its cookie. */
import { redirect } from "@sveltejs/kit";
import type { Actions } from "./$types";

export const actions: Actions = {
  default: async ({ request, locals }) => {
    const user = String((await request.formData()).get("user"));
    const session = await locals.session();
    session.regenerate(); // session fixation: the old id dies at commit, the cart comes along
    session.setUser(user);
    redirect(303, "/cart"); // throws; SvelteKit makes the 303 (or its JSON for `use:enhance`), the hook commits onto it
  },
};

/** `/logout`: the record is deleted and the cookie expired at commit. */
import { redirect } from "@sveltejs/kit";
import type { Actions } from "./$types";

export const actions: Actions = {
  default: async ({ locals }) => {
    (await locals.session()).destroy();
    redirect(303, "/");
  },
};

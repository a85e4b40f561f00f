/** `/login` (POST `user=ada`): a new session id on privilege change, then a redirect that carries its cookie. */
import type { APIRoute } from "astro";

export const POST: APIRoute = async ({ request, locals, redirect }) => {
  const user = String((await request.formData()).get("user"));
  const session = await locals.session();
  session.regenerate(); // session fixation: the old id dies at commit, the cart comes along
  session.setUser(user);
  return redirect("/", 303); // the middleware commits onto it
};

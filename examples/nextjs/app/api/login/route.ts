/** `/api/login` (POST `user=ada`): a new session id on privilege change. */
import { route } from "../../../lib/sessions";

export const POST = route(async (request, session) => {
  const user = String((await request.formData()).get("user"));
  const current = await session();
  current.regenerate(); // session fixation: the old id dies at commit, the cart comes along
  current.set("user", user);
  return Response.json({ user });
});

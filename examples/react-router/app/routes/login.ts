/** `/login` (POST `user=ada`): a new session id on privilege change, then a redirect. */
import { type ActionFunctionArgs, redirect } from "react-router";
import { sessionContext } from "../sessions.server.ts";

export async function action({ request, context }: ActionFunctionArgs) {
  const user = String((await request.formData()).get("user"));
  const session = await context.get(sessionContext)();
  session.regenerate(); // session fixation: the old id dies at commit, the cart comes along
  session.set("user", user);
  throw redirect("/cart"); // the middleware commits onto the redirect: it carries the new cookie
}

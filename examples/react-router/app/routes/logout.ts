/** `/logout` (POST): the record is deleted and the cookie expired. */
import { type ActionFunctionArgs, redirect } from "react-router";
import { sessionContext } from "../sessions.server.ts";

export async function action({ context }: ActionFunctionArgs) {
  (await context.get(sessionContext)()).destroy();
  return redirect("/cart");
}

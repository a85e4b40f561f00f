/** `/boom`: changes the session, then fails. The 500 saves nothing and sets no cookie. */
import type { LoaderFunctionArgs } from "react-router";
import { sessionContext } from "../sessions.server.ts";

export async function loader({ context }: LoaderFunctionArgs): Promise<Response> {
  (await context.get(sessionContext)()).set("user", "mallory");
  throw new Error("the database is down");
}

/** `/api/boom`: changes the session, then fails. Next answers 500: nothing is saved, no cookie set. */
import { route } from "../../../lib/sessions";

export const GET = route(async (_request, session) => {
  (await session()).set("user", "mallory");
  throw new Error("the database is down");
});

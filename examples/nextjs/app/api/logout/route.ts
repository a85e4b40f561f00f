/** `/api/logout` (POST): the record is deleted and the cookie expired. */
import { route } from "../../../lib/sessions";

export const POST = route(async (_request, session) => {
  (await session()).destroy();
  return new Response(null, { status: 204 });
});

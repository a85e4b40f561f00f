/** The root route: sessions for every route below it. (A real app's root also renders the layout.) */
import { sessionMiddleware } from "./sessions.server.ts";

export const middleware = [sessionMiddleware];

// The floors: each framework a candidate runs on, with the same routes and no session, so a
// candidate's overhead is its time minus its own floor's in the same round.
import express from "express";
import { H3 } from "h3";
import { Hono } from "hono";
import { viaLightMyRequest } from "./light-my-request.js";
import { type Floor, route, text } from "./shared.js";

const fetchFloor: Floor = {
  name: "fetch",
  note: "a plain fetch handler",
  async create() {
    return async (request) => {
      // The same route lookup the session candidates do, so the floor pays it too.
      route(request.url);
      return text("ok");
    };
  },
};

const honoFloor: Floor = {
  name: "hono",
  note: "a Hono app without middleware, `app.fetch`",
  async create() {
    const app = new Hono();
    app.get("/:scenario", (c) => c.text("ok"));
    return async (request) => app.fetch(request);
  },
};

const h3Floor: Floor = {
  name: "h3",
  note: "an h3 v2 app without sessions, `app.fetch`",
  async create() {
    const app = new H3();
    app.get("/:scenario", () => "ok");
    return async (request) => app.fetch(request);
  },
};

const expressFloor: Floor = {
  name: "express",
  note: "plain express 5 through light-my-request (no socket), converted to a Response",
  async create() {
    const app = express();
    app.get("/:scenario", (_request, response) => {
      response.type("text/plain").send("ok");
    });
    return viaLightMyRequest(app);
  },
};

export const floors: Floor[] = [fetchFloor, honoFloor, h3Floor, expressFloor];

// The signed-in contact: their details, their clients, and one client's Home.
import { calls, ofClient } from "./api.js";

const contact = calls("contact");

export const me = {
  get: () => contact.get("/me"),
  update: (body) => contact.patch("/me", body),
  home: (clientId) => ofClient("contact", clientId).get("/home"),
};

// Staff: the firm's clients, one client's record and its access history.
import { calls, ofClient, seg } from "./api.js";

const staff = calls("staff");

export const clients = {
  list: () => staff.get("/clients"),
  create: (body) => staff.post("/clients", body),
  get: (clientId) => ofClient("staff", clientId).get(),
  /** The client with its contacts' portal status (after an invite or a revoke). */
  portalStatus: (clientId) => ofClient("staff", clientId).get("/portal-status"),
  /** One contact's access history, newest first. */
  audit: (clientId, contactId) => ofClient("staff", clientId).get(`/audit?contact_id=${seg(contactId)}`),
};

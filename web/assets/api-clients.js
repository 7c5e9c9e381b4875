// Staff: the firm's clients, one client's record and its access history.
import { calls, ofClient, paged, seg } from "./api.js";

const staff = calls("staff");

export const clients = {
  /** `status`: "active" (the default), "archived" or "all". */
  list: (status = "active") => staff.get(`/clients?status=${seg(status)}`),
  create: (body) => staff.post("/clients", body),
  get: (clientId) => ofClient("staff", clientId).get(),
  rename: (clientId, name) => ofClient("staff", clientId).patch("", { name }),
  /** Its contacts can no longer open the portal; no new work until it is restored. */
  archive: (clientId) => ofClient("staff", clientId).post("/archive"),
  restore: (clientId) => ofClient("staff", clientId).post("/restore"),
  /** The client with its contacts' portal status (after an invite or a revoke). */
  portalStatus: (clientId) => ofClient("staff", clientId).get("/portal-status"),
  /** One page of a contact's access history (`{ items, next }`), newest first. */
  audit: (clientId, contactId, page) => ofClient("staff", clientId).get(paged(`/audit?contact_id=${seg(contactId)}`, page)),
};

// Staff: the firm's clients, one client's record and its access history.
import { calls, ofClient, paged, seg } from "./api.js";

const staff = calls("staff");

export const clients = {
  /** One page: `status` "active" (the default), "archived" or "all"; `q` the start of a
   * name or email; `portal` a portal state; `cursor` the previous page's `next`. */
  list: ({ status = "active", q = "", portal = "", cursor = null, limit = 50 } = {}) => {
    const p = new URLSearchParams({ status, limit: String(limit) });
    if (q) p.set("q", q);
    if (portal) p.set("portal", portal);
    if (cursor) p.set("cursor", cursor);
    return staff.get(`/clients?${p}`);
  },
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

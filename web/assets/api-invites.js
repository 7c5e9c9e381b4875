// Invites: staff preview, send and revoke them; the invite link's page (no sign-in) reads
// one and creates the account.
import { api, ofClient, seg } from "./api.js";

export const invites = {
  preview: (clientId, body) => ofClient("staff", clientId).post("/invites/preview", body),
  /** One or many contacts: `{ contact_ids, message, template_id }` → `{ results }`. */
  send: (clientId, body) => ofClient("staff", clientId).post("/invites", body),
  revoke: (clientId, contactId) => ofClient("staff", clientId).post(`/contacts/${seg(contactId)}/revoke-invite`),
  /** The invite behind a link's token. */
  lookup: (token) => api(null, "GET", `/api/invites/${seg(token)}`),
  /** Accept it with a new (or the existing login's) password → `{ client_id, session }`. */
  accept: (token, body) => api(null, "POST", `/api/invites/${seg(token)}/account`, body),
};

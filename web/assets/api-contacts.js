// Staff: a client's contacts and their portal access.
import { calls, ofClient, seg } from "./api.js";

const staff = calls("staff");

export const contacts = {
  add: (clientId, body) => ofClient("staff", clientId).post("/contacts", body),
  update: (contactId, body) => staff.patch(`/contacts/${seg(contactId)}`, body),
  /** Takes the contact off this client: their access to its portal ends; their login and
   * other portals stay. */
  remove: (clientId, contactId) => ofClient("staff", clientId).del(`/contacts/${seg(contactId)}`),
  /** Ends the contact's login for every client of the firm. */
  revokeAccess: (contactId) => staff.post(`/contacts/${seg(contactId)}/revoke-access`),
};

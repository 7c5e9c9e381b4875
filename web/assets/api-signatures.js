// Signature forms: `signatures[kind].get(clientId, formId)` for both sides; staff send and
// verify, a signer signs or declines.
import { ofClient, paged, seg } from "./api.js";

function side(kind) {
  const of = (clientId) => ofClient(kind, clientId);
  return {
    /** One page (`{ items, next }`), newest first; `page` is `{ limit, cursor }`. */
    list: (clientId, page) => of(clientId).get(paged("/signatures", page)),
    get: (clientId, formId) => of(clientId).get(`/signatures/${seg(formId)}`),
  };
}

const staff = (clientId) => ofClient("staff", clientId);
const contact = (clientId) => ofClient("contact", clientId);

export const signatures = {
  staff: {
    ...side("staff"),
    send: (clientId, body) => staff(clientId).post("/signatures", body),
    /** Does the stored document still hash as when it was sent? */
    verify: (clientId, formId) => staff(clientId).get(`/signatures/${seg(formId)}/verify`),
  },
  contact: {
    ...side("contact"),
    sign: (clientId, formId, body) => contact(clientId).post(`/signatures/${seg(formId)}/sign`, body),
    decline: (clientId, formId, body) => contact(clientId).post(`/signatures/${seg(formId)}/decline`, body),
  },
};

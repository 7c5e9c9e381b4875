// Signature forms: `signatures[kind].get(clientId, formId)` for both sides; staff send and
// verify, a signer signs or declines.
import { ofClient, seg } from "./api.js";

function side(kind) {
  const of = (clientId) => ofClient(kind, clientId);
  return {
    list: (clientId) => of(clientId).get("/signatures"),
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

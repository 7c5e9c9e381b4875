// Client requests (the contact's To-Do): staff send, complete and reopen them; contacts
// answer, attach files and mark them done.
import { ofClient, paged, seg } from "./api.js";

const staff = (clientId) => ofClient("staff", clientId);
const contact = (clientId) => ofClient("contact", clientId);

export const requests = {
  list: (clientId, page) => staff(clientId).get(paged("/requests", page)),
  create: (clientId, body) => staff(clientId).post("/requests", body),
  complete: (clientId, requestId) => staff(clientId).post(`/requests/${seg(requestId)}/complete`, {}),
  reopen: (clientId, requestId) => staff(clientId).post(`/requests/${seg(requestId)}/reopen`, {}),
  // the contact's side
  todo: (clientId, page) => contact(clientId).get(paged("/todo", page)),
  get: (clientId, requestId) => contact(clientId).get(`/requests/${seg(requestId)}`),
  respond: (clientId, requestId, body) => contact(clientId).post(`/requests/${seg(requestId)}/responses`, body),
  submit: (clientId, requestId) => contact(clientId).post(`/requests/${seg(requestId)}/submit`, {}),
};

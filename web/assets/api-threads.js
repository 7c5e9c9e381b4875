// Secure message threads of a client, for staff and for contacts: `threads[kind].list(clientId)`.
import { ofClient, seg } from "./api.js";

function side(kind) {
  const of = (clientId) => ofClient(kind, clientId);
  return {
    list: (clientId) => of(clientId).get("/threads"),
    start: (clientId, body) => of(clientId).post("/threads", body),
    /** The thread and its messages (reading it marks it read). */
    get: (clientId, threadId) => of(clientId).get(`/threads/${seg(threadId)}`),
    reply: (clientId, threadId, body) => of(clientId).post(`/threads/${seg(threadId)}/messages`, body),
  };
}

export const threads = { staff: side("staff"), contact: side("contact") };

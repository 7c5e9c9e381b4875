// Secure message threads of a client, for staff and for contacts: `threads[kind].list(clientId)`.
import { ofClient, paged, seg } from "./api.js";

function side(kind) {
  const of = (clientId) => ofClient(kind, clientId);
  return {
    /** One page of threads (`{ items, next }`), newest first. */
    list: (clientId, page) => of(clientId).get(paged("/threads", page)),
    start: (clientId, body) => of(clientId).post("/threads", body),
    /** The thread and one page of its messages (`{ thread, items, next }`): the newest page
     * first, `next` leading to older ones (reading the first page marks it read). */
    get: (clientId, threadId, page) => of(clientId).get(paged(`/threads/${seg(threadId)}`, page)),
    reply: (clientId, threadId, body) => of(clientId).post(`/threads/${seg(threadId)}/messages`, body),
  };
}

export const threads = { staff: side("staff"), contact: side("contact") };

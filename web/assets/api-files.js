// A client's files, for staff and for contacts: `files.staff.list(clientId)`,
// `files.contact.create(clientId, body)` (a presigned upload slot; see uploadTo in api.js).
import { ofClient, paged, seg } from "./api.js";

function side(kind) {
  const of = (clientId) => ofClient(kind, clientId);
  const downloadUrl = (clientId, fileId) => of(clientId).get(`/files/${seg(fileId)}/download`);
  return {
    /** One page (`{ items, next }`), newest first; `page` is `{ limit, cursor }`. */
    list: (clientId, page) => of(clientId).get(paged("/files", page)),
    create: (clientId, body) => of(clientId).post("/files", body),
    /** `{ url }`: a short-lived link to the file's bytes. */
    downloadUrl,
    /** Download the file: the browser goes to its short-lived link. */
    download: async (clientId, fileId) => { window.location.href = (await downloadUrl(clientId, fileId)).url; },
  };
}

export const files = { staff: side("staff"), contact: side("contact") };

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

// What may be uploaded, for the file inputs (the server decides each upload's type from its
// declared type and its name together, then checks its first bytes; see
// shared/src/domain/upload.rs). Extensions first: the Windows file picker filters by them,
// and a CSV there is declared `application/vnd.ms-excel`. The `web` function's tests keep
// this string equal to the server's list.
export const UPLOAD_ACCEPT = ".pdf,.jpg,.jpeg,.png,.gif,.tif,.tiff,.heic,.heif,.txt,.csv,.zip,.doc,.xls,.docx,.xlsx,.pptx,application/pdf,image/jpeg,image/png,image/gif,image/tiff,image/heic,text/plain,text/csv,application/zip,application/msword,application/vnd.ms-excel,application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/vnd.openxmlformats-officedocument.presentationml.presentation";
export const UPLOAD_TYPES_IN_WORDS = "PDF, images (JPEG, PNG, GIF, TIFF, HEIC), text, CSV, ZIP and Office documents (Word, Excel, PowerPoint)";

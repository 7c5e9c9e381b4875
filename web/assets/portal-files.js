// The contact's Files: Add a File (with a progress bar, confirmed once checked) and the list.
import { uploadTo } from "./api.js";
import { UPLOAD_ACCEPT, UPLOAD_TYPES_IN_WORDS, files } from "./api-files.js";
import { FormProblem, flash, fmtDate, h, onSubmit, pagedList, rerender, size } from "./ui.js";

/** Upload `file` (to a request when `requestId`); the file once checked on arrival. */
export async function addFile(clientId, file, bar, requestId) {
  const slot = await files.contact.create(clientId, {
    name: file.name, size: file.size, content_type: file.type || "application/octet-stream", request_id: requestId || null });
  bar.hidden = false;
  await uploadTo(slot, file, (p) => { bar.value = p; });
  // The upload is checked on arrival; wait (briefly) until it is confirmed.
  for (let i = 0; i < 20; i += 1) {
    // Newest first: the new file is on the first page.
    const { items } = await files.contact.list(clientId, { limit: 20 });
    const f = items.find((x) => x.id === slot.file.id);
    if (f && f.status !== "pending") return f;
    await new Promise((r) => setTimeout(r, 500));
  }
  return slot.file;
}

/** A form with a file input and a progress bar; `onFile(file, bar)` on submit. */
export function uploadForm(label, onFile) {
  const form = h("form", { novalidate: true },
    h("label", { for: "add-file" }, label),
    h("input", { type: "file", id: "add-file", name: "file", required: true, accept: UPLOAD_ACCEPT, "aria-describedby": "add-file-types" }),
    h("p", { id: "add-file-types", class: "small muted" }, `Accepted: ${UPLOAD_TYPES_IN_WORDS}.`),
    h("progress", { value: 0, max: 1, hidden: true, "aria-label": "Upload progress" }),
    h("p", {}, h("button", { type: "submit" }, "Upload")));
  return onSubmit(form, async () => {
    const file = form.file.files[0];
    if (!file) throw new FormProblem("Choose a file to upload.");
    await onFile(file, form.querySelector("progress"));
  });
}

/** What the list says after a file's name. */
function fileDetails(f) {
  const from = f.uploaded_by.kind === "staff" ? "from your firm" : `uploaded by ${f.uploaded_by.name}`;
  return ` · ${size(f.size)} · ${from} · ${fmtDate(f.created_at)}${f.status !== "available" ? ` · ${f.status}` : ""}`;
}

export async function filesView(clientId) {
  const list = await pagedList((cursor) => files.contact.list(clientId, { cursor }), (f) => h("li", { class: "row spread", "data-status": f.status },
    h("span", {}, f.name, h("span", { class: "muted small" }, fileDetails(f))),
    f.status === "available" ? h("button", { type: "button", class: "link", onclick: () => files.contact.download(clientId, f.id) }, "Download") : null),
  { attrs: { class: "plain", id: "file-list" }, empty: "No files yet." });
  const form = uploadForm("Add a File", async (file, bar) => {
    const f = await addFile(clientId, file, bar);
    flash(f.status === "available" ? `${f.name} uploaded.` : f.status === "rejected" ? `${f.name} was rejected: ${f.rejected_reason}` : `${f.name} is still being checked.`);
    rerender();
  });
  return h("div", {},
    h("section", { class: "card" }, h("h2", {}, "Add a File"), form),
    h("section", { class: "card" }, h("h2", {}, "Files"), list));
}

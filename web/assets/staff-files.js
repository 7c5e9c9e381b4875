// Staff: the client's files, and Share a file (upload, shared with the chosen contacts).
import { uploadTo } from "./api.js";
import { UPLOAD_ACCEPT, UPLOAD_TYPES_IN_WORDS, files } from "./api-files.js";
import { FormProblem, checkedValues, contactChecks, flash, h, liveCard, onSubmit, pagedList, size } from "./ui.js";
import { promptToInvite } from "./staff-invites.js";

export function filesCard(ctx) {
  return liveCard({ id: "files" }, async (redraw, card) => {
    const list = await pagedList((cursor) => files.staff.list(ctx.clientId, { cursor }), (f) => h("li", { class: "row spread" },
      h("span", {}, f.name, h("span", { class: "muted small" }, ` · ${size(f.size)} · ${f.status} · by ${f.uploaded_by.name}`)),
      f.status === "available" ? h("button", { type: "button", class: "link", onclick: () => files.staff.download(ctx.clientId, f.id) }, "Download") : null),
    { empty: "No files yet." });
    const form = h("form", { novalidate: true },
      h("label", { for: "staff-file" }, "File"),
      h("input", { type: "file", id: "staff-file", name: "file", accept: UPLOAD_ACCEPT, "aria-describedby": "staff-file-types" }),
      h("p", { id: "staff-file-types", class: "small muted" }, `Accepted: ${UPLOAD_TYPES_IN_WORDS}.`),
      contactChecks(ctx.client.contacts, { name: "share" }),
      h("progress", { value: 0, max: 1, hidden: true }),
      h("p", {}, h("button", { type: "submit" }, "Upload and share")));
    onSubmit(form, async () => {
      const file = form.file.files[0];
      if (!file) throw new FormProblem("Choose a file.");
      const bar = form.querySelector("progress");
      const slot = await files.staff.create(ctx.clientId, {
        name: file.name, size: file.size, content_type: file.type || "application/octet-stream", share_with: checkedValues(form, "share") });
      bar.hidden = false;
      await uploadTo(slot, file, (p) => { bar.value = p; });
      flash(`${file.name} uploaded.`);
      await redraw();
      promptToInvite(card, ctx, slot.sharing, "this file");
    });
    return [h("h2", {}, "Files"), list, h("h3", {}, "Share a file"), form];
  });
}

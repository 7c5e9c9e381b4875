// Staff: the client's signature forms, Send a document for signature, and the window that
// shows who has signed (and checks the stored document against its recorded hash).
import { MAX_PAGE } from "./api.js";
import { files } from "./api-files.js";
import { signatures } from "./api-signatures.js";
import { FORM_WORDS, badgeClass, signersList } from "./signature-parts.js";
import { act, checkedValues, contactChecks, field, flash, fmtDate, h, liveCard, modal, onSubmit, pagedList, size } from "./ui.js";

const certificateLink = (ctx, formId) => `#/staff/clients/${ctx.clientId}/certificate/${formId}`;

export function signaturesCard(ctx) {
  return liveCard({ id: "signatures" }, async (redraw) => {
    const [list, { items: all }] = await Promise.all([
      pagedList((cursor) => signatures.staff.list(ctx.clientId, { cursor }), (f) => h("li", { "data-form": f.id, "data-status": f.status },
        h("div", { class: "row spread" }, h("strong", {}, f.document_name), h("span", { class: badgeClass(f.status) }, FORM_WORDS[f.status])),
        h("p", { class: "small muted" }, `${f.signers.filter((s) => s.status === "signed").length} of ${f.signers.length} signed${f.due_date ? ` · due ${fmtDate(f.due_date)}` : ""}`),
        h("div", { class: "row" },
          h("button", { type: "button", class: "secondary", onclick: () => formDialog(ctx, f.id) }, "Who has signed"),
          f.status === "completed" ? h("a", { class: "button secondary", href: certificateLink(ctx, f.id) }, "Certificate") : null)),
      { empty: "No documents sent for signature yet." }),
      files.staff.list(ctx.clientId, { limit: MAX_PAGE })]);
    const available = all.filter((f) => f.status === "available");
    const form = h("form", { novalidate: true },
      field("Document", "file_id", { tag: "select", options: [["", available.length ? "Choose a file of this portal" : "Upload the document first"], ...available.map((f) => [f.id, f.name])] }),
      contactChecks(ctx.client.contacts.filter((c) => c.portal.status === "active"), {
        legend: "Signers", name: "signer_ids", prefix: "signer", empty: "No contact has portal access yet: invite them first." }),
      field("Message (optional)", "message", { tag: "textarea" }),
      field("Due date (optional)", "due_date", { type: "date" }),
      h("p", {}, h("button", { type: "submit" }, "Send for signature")));
    onSubmit(form, async () => {
      const res = await signatures.staff.send(ctx.clientId, {
        file_id: form.file_id.value, message: form.message.value, due_date: form.due_date.value || null,
        signer_ids: checkedValues(form, "signer_ids") });
      const failed = res.emails.filter((x) => x.outcome !== "sent");
      flash(failed.length ? `Sent for signature; ${failed.length} email(s) failed — the form is on their To-Do anyway.` : "Sent for signature. The signers were told by email.");
      await redraw();
    }, { stayBusy: true });
    return [h("h2", {}, "Signatures"), list, h("details", {}, h("summary", {}, "Send a document for signature"), form)];
  });
}

async function formDialog(ctx, formId) {
  const { body } = modal("Signature form");
  const f = await signatures.staff.get(ctx.clientId, formId);
  const result = h("p", { "aria-live": "polite" });
  const check = act(async () => {
    const v = await signatures.staff.verify(ctx.clientId, formId);
    result.textContent = v.unchanged ? "The stored document is unchanged since it was sent for signature." : "The stored document has CHANGED since it was sent for signature.";
    result.className = v.unchanged ? "" : "problem";
  });
  body.append(
    h("p", {}, h("strong", {}, f.document_name), h("span", { class: "muted small" }, ` · ${size(f.document_size)} · ${FORM_WORDS[f.status]}`)),
    h("p", { class: "small" }, "Document SHA-256: ", h("code", {}, f.document_sha256)),
    signersList(f),
    h("p", {}, h("button", { type: "button", class: "secondary", onclick: check }, "Check the document")),
    result,
    f.certificate ? h("p", {}, h("a", { href: certificateLink(ctx, formId) }, "Open the completion certificate")) : null);
}

// Staff: a contact's access history — what they did and what was done to them, newest first.
import { clients } from "./api-clients.js";
import { h, modal, pagedList } from "./ui.js";

const AUDIT_WORDS = {
  invite_sent: "Invite sent", invite_revoked: "Invite revoked", account_created: "Created their portal login",
  invite_accepted: "Accepted an invite", signed_in: "Signed in", access_revoked: "Portal access revoked",
  file_uploaded: "Uploaded a file", file_downloaded: "Downloaded a file", file_shared: "File shared with them",
  contact_updated: "Contact details changed", form_sent: "Sent a document for signature", form_signed: "Signed a document",
  form_declined: "Declined to sign a document", form_completed: "Signature form completed",
};

export async function accessHistoryDialog(ctx, c) {
  const { body } = modal(`Access history — ${c.first_name} ${c.last_name}`);
  body.append(h("p", { class: "muted" }, "Loading…"));
  try {
    const row = (e) => h("tr", {},
      h("td", {}, new Date(e.at).toLocaleString()),
      h("td", {}, AUDIT_WORDS[e.event] || e.event, e.detail ? h("div", { class: "small muted" }, e.detail) : ""),
      h("td", {}, e.actor.name || e.actor.kind),
      h("td", { class: "small" }, e.ip || "", e.user_agent ? h("div", { class: "muted" }, e.user_agent) : ""));
    body.replaceChildren(await pagedList((cursor) => clients.audit(ctx.clientId, c.id, { cursor }), row, {
      tag: "tbody", attrs: {}, empty: "Nothing recorded yet.",
      frame: (rows) => h("table", { class: "audit" }, h("thead", {}, h("tr", {}, h("th", {}, "When"), h("th", {}, "What"), h("th", {}, "Who"), h("th", {}, "From"))), rows) }));
  } catch (err) {
    body.replaceChildren(h("p", { class: "problem", role: "alert" }, err.message));
  }
}

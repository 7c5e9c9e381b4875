// E-signature forms: the words and pieces that staff pages, the signer's page and the
// completion certificate share.
import { h } from "./ui.js";

export const SIGNER_WORDS = { pending: "Not signed yet", signed: "Signed", declined: "Declined" };
export const FORM_WORDS = { pending: "Waiting for signatures", completed: "Completed", declined: "Declined" };

/** A moment of the signing record, in UTC. */
export function when(iso) { return iso ? new Date(iso).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC" : ""; }

/** The badge class of a status: done (signed, completed), over (declined) or plain. */
export function badgeClass(status) { return `badge ${status === "signed" || status === "completed" ? "done" : status === "declined" ? "over" : ""}`; }

export function signersList(form) {
  return h("ul", { class: "plain signers" }, form.signers.map((s) => h("li", { "data-signer": s.contact_id, "data-status": s.status },
    h("div", { class: "row spread" }, h("strong", {}, s.name), h("span", { class: badgeClass(s.status) }, SIGNER_WORDS[s.status])),
    s.evidence ? h("p", { class: "small muted" }, `Signed as “${s.evidence.typed_name}” on ${when(s.evidence.signed_at)} from ${s.evidence.ip || "unknown IP"}`) : null,
    s.decline_reason ? h("p", { class: "small problem" }, `Reason: ${s.decline_reason}`) : null)));
}

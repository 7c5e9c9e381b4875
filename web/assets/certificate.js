// The completion certificate of a signature form, as a printable page (staff or contact).
import { signatures } from "./api-signatures.js";
import { FORM_WORDS, when } from "./signature-parts.js";
import { h, size } from "./ui.js";

/** The drawn signature of a certificate's signer, if any (the form view maps contact → image). */
function drawingOf(form, certSigner) {
  const signer = form.signers.find((x) => x.name === certSigner.name && x.signed_at === certSigner.signed_at);
  return signer && form.drawings ? form.drawings[signer.contact_id] : null;
}

export async function certificateView(kind, clientId, formId) {
  const f = await signatures[kind].get(clientId, formId);
  const c = f.certificate;
  if (!c) return h("section", { class: "card" }, h("h1", {}, "No certificate yet"), h("p", {}, `This form is ${FORM_WORDS[f.status].toLowerCase()}.`));
  const back = kind === "staff" ? `#/staff/clients/${clientId}` : `#/portal/clients/${clientId}`;
  return h("section", { class: "card certificate" },
    h("p", {}, h("a", { href: back }, "← Back")),
    h("h1", {}, "Certificate of completion"),
    h("table", {}, h("tbody", {},
      h("tr", {}, h("th", {}, "Document"), h("td", {}, c.document_name)),
      h("tr", {}, h("th", {}, "Client"), h("td", {}, c.client_name)),
      h("tr", {}, h("th", {}, "Size"), h("td", {}, size(c.document_size))),
      h("tr", {}, h("th", {}, "Document SHA-256"), h("td", {}, h("code", { id: "certificate-document-hash" }, c.document_sha256))),
      h("tr", {}, h("th", {}, "Sent by"), h("td", {}, `${c.sent_by.name} on ${when(c.sent_at)}`)),
      h("tr", {}, h("th", {}, "Completed"), h("td", {}, when(c.completed_at))))),
    h("h2", {}, "Signers"),
    h("table", {}, h("thead", {}, h("tr", {}, ["Signer", "Signed as", "When", "From", "Consent"].map((t) => h("th", {}, t)))),
      h("tbody", {}, c.signers.map((s) => h("tr", { "data-signer": s.email },
        h("td", {}, s.name, h("div", { class: "small muted" }, s.email)),
        h("td", {}, s.typed_name, drawingOf(f, s) ? h("div", {}, h("img", { src: drawingOf(f, s), alt: `Signature drawn by ${s.name}`, class: "drawn" })) : null),
        h("td", {}, when(s.signed_at)),
        h("td", { class: "small" }, s.ip || "", h("div", { class: "muted" }, s.user_agent || "")),
        h("td", { class: "small" }, `Version ${s.consent_version}: “${s.consent_text}”`))))),
    h("h2", {}, "Timeline"),
    h("ul", { class: "plain" }, c.timeline.map((t) => h("li", { class: "small" }, `${when(t.at)} — ${t.event} — ${t.by.name}`))),
    h("p", { class: "small" }, "Certificate SHA-256: ", h("code", {}, c.sha256)),
    h("p", { class: "small muted" }, "Any change to the document changes its SHA-256: compare it with the file you hold."),
    h("p", {}, h("button", { type: "button", class: "secondary", onclick: () => window.print() }, "Print")));
}

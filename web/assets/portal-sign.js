// A signer's page: read the document, agree, type the name, sign — or decline.
//
// The signer's browser fetches the document and hashes the exact bytes it got (SHA-256,
// WebCrypto); the server signs only if that hash is the one recorded when the form was sent
// and the stored document still hashes the same.
import { files } from "./api-files.js";
import { signatures } from "./api-signatures.js";
import { FORM_WORDS, signersList } from "./signature-parts.js";
import { FormProblem, checkbox, field, flash, fmtDate, h, onSubmit, rerender } from "./ui.js";

async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** An optional hand-drawn signature: a canvas for mouse, pen or finger. */
function drawingPad() {
  const canvas = h("canvas", { width: 420, height: 120, class: "signature-pad", "aria-label": "Draw your signature (optional)" });
  const ctx = canvas.getContext("2d");
  ctx.lineWidth = 2; ctx.lineCap = "round"; ctx.strokeStyle = "#1d2430";
  let drawing = false; let strokes = 0;
  const at = (e) => { const r = canvas.getBoundingClientRect(); return [(e.clientX - r.left) * (canvas.width / r.width), (e.clientY - r.top) * (canvas.height / r.height)]; };
  canvas.addEventListener("pointerdown", (e) => { drawing = true; strokes += 1; ctx.beginPath(); ctx.moveTo(...at(e)); canvas.setPointerCapture(e.pointerId); });
  canvas.addEventListener("pointermove", (e) => { if (drawing) { ctx.lineTo(...at(e)); ctx.stroke(); } });
  canvas.addEventListener("pointerup", () => { drawing = false; });
  const clear = h("button", { type: "button", class: "link", onclick: () => { ctx.clearRect(0, 0, canvas.width, canvas.height); strokes = 0; } }, "Clear");
  return {
    element: h("div", { class: "field" }, h("label", {}, "Draw your signature (optional)"), canvas, h("div", {}, clear)),
    drawn: () => strokes > 0,
    dataUrl: () => canvas.toDataURL("image/png"),
  };
}

export async function signView(clientId, formId) {
  const f = await signatures.contact.get(clientId, formId);
  const card = h("section", { class: "card" }, h("p", {}, h("a", { href: `#/portal/clients/${clientId}/todo` }, "← To-Do")), h("h2", {}, `Sign: ${f.document_name}`));
  if (f.message) card.append(h("p", {}, f.message));
  card.append(h("p", { class: "small muted" }, `${FORM_WORDS[f.status]}${f.due_date ? ` · due ${fmtDate(f.due_date)}` : ""}`), signersList(f));
  if (f.status === "completed") { card.append(h("p", {}, h("a", { href: `#/portal/clients/${clientId}/certificate/${formId}` }, "Certificate of completion"))); return card; }
  if (f.my_status !== "pending" || f.status !== "pending") { card.append(h("p", {}, f.my_status === "signed" ? "You have signed this document." : "This form can no longer be signed.")); return card; }

  let shownHash = null;
  const fingerprint = h("p", { class: "small", id: "document-fingerprint" }, "Open the document to read it before signing.");
  // Fetch the document, hash the exact bytes, then offer them to open (a link the signer
  // clicks, so no popup blocker stands in the way) in their own type.
  const openDoc = h("button", { type: "button", onclick: async () => {
    try {
      const d = await files.contact.downloadUrl(clientId, f.file_id);
      const resp = await fetch(d.url);
      if (!resp.ok) throw new Error(`the download failed (${resp.status})`);
      const bytes = await resp.arrayBuffer();
      shownHash = await sha256Hex(bytes);
      const url = URL.createObjectURL(new Blob([bytes], { type: resp.headers.get("content-type") || "application/octet-stream" }));
      fingerprint.replaceChildren(h("a", { href: url, target: "_blank", rel: "noopener" }, `Read ${f.document_name}`), " · ",
        h("a", { href: url, download: f.document_name }, "Save a copy"),
        h("div", { class: "small" }, "Document fingerprint (SHA-256): ", h("code", {}, shownHash)));
    } catch (err) { fingerprint.textContent = `The document could not be opened: ${err.message}`; }
  } }, "Open the document");

  const pad = drawingPad();
  const form = h("form", { novalidate: true, id: "sign-form" },
    checkbox({ id: "consent", name: "consent", row: "row consent" }, f.consent_text),
    h("div", { class: "field-error", id: "consent-err" }),
    field("Type your full name to sign", "typed_name", { required: true, autocomplete: "name" }),
    pad.element,
    h("p", {}, h("button", { type: "submit" }, "Sign")));
  form.consent.setAttribute("aria-describedby", "consent-err");
  onSubmit(form, async () => {
    if (!shownHash) throw new FormProblem("Open the document and read it before signing.");
    await signatures.contact.sign(clientId, formId, {
      typed_name: form.typed_name.value, consent: form.consent.checked, consent_version: f.consent_version, document_sha256: shownHash,
      drawn_signature: pad.drawn() ? pad.dataUrl() : null });
    flash(`You signed ${f.document_name}.`);
    rerender();
  }, { stayBusy: true });
  const decline = h("form", { novalidate: true }, field("Why are you declining?", "reason", { tag: "textarea", required: true }), h("p", {}, h("button", { type: "submit", class: "secondary" }, "Decline to sign")));
  onSubmit(decline, async () => {
    await signatures.contact.decline(clientId, formId, { reason: decline.reason.value });
    flash("You declined to sign. Your firm sees your reason.");
    rerender();
  });
  card.append(h("p", {}, openDoc), fingerprint, form, h("details", {}, h("summary", {}, "Decline to sign"), decline));
  return card;
}

// E-signature forms: staff send a document of the client's portal for signature and follow
// who has signed; a signer reads the document, agrees to the consent statement, types their
// name and signs (or declines); the completion certificate is a printable page.
//
// The signer's browser fetches the document and hashes the exact bytes it got (SHA-256,
// WebCrypto); the server signs only if that hash is the one recorded when the form was sent
// and the stored document still hashes the same.
import { api } from "./api.js";
import { field, flash, fmtDate, h, modal, setBusy, showError, size } from "./ui.js";

const PREFIX = { staff: "/api/staff", contact: "/api/portal" };
const SIGNER_WORDS = { pending: "Not signed yet", signed: "Signed", declined: "Declined" };
const FORM_WORDS = { pending: "Waiting for signatures", completed: "Completed", declined: "Declined" };

function when(iso) { return iso ? new Date(iso).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" }) + " UTC" : ""; }

async function sha256Hex(bytes) {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function signersList(form) {
  return h("ul", { class: "plain signers" }, form.signers.map((s) => h("li", { "data-signer": s.contact_id, "data-status": s.status },
    h("div", { class: "row spread" }, h("strong", {}, s.name), h("span", { class: `badge ${s.status === "signed" ? "done" : s.status === "declined" ? "over" : ""}` }, SIGNER_WORDS[s.status])),
    s.evidence ? h("p", { class: "small muted" }, `Signed as “${s.evidence.typed_name}” on ${when(s.evidence.signed_at)} from ${s.evidence.ip || "unknown IP"}`) : null,
    s.decline_reason ? h("p", { class: "small problem" }, `Reason: ${s.decline_reason}`) : null)));
}

/** Staff: the client's signature forms and the form that sends one. */
export async function signaturesCard(ctx) {
  const card = h("section", { class: "card", id: "signatures" });
  const S = "staff";
  const draw = async () => {
    const [{ forms }, { files }] = await Promise.all([
      api(S, "GET", `/api/staff/clients/${ctx.clientId}/signatures`),
      api(S, "GET", `/api/staff/clients/${ctx.clientId}/files`),
    ]);
    const list = forms.length ? h("ul", { class: "plain" }, forms.map((f) => h("li", { "data-form": f.id, "data-status": f.status },
      h("div", { class: "row spread" }, h("strong", {}, f.document_name), h("span", { class: `badge ${f.status === "completed" ? "done" : f.status === "declined" ? "over" : ""}` }, FORM_WORDS[f.status])),
      h("p", { class: "small muted" }, `${f.signers.filter((s) => s.status === "signed").length} of ${f.signers.length} signed${f.due_date ? ` · due ${fmtDate(f.due_date)}` : ""}`),
      h("div", { class: "row" },
        h("button", { type: "button", class: "secondary", onclick: () => formDialog(ctx, f.id) }, "Who has signed"),
        f.status === "completed" ? h("a", { class: "button secondary", href: `#/staff/clients/${ctx.clientId}/certificate/${f.id}` }, "Certificate") : null))))
      : h("p", { class: "muted" }, "No documents sent for signature yet.");
    const available = files.filter((f) => f.status === "available");
    const active = ctx.client.contacts.filter((c) => c.portal.status === "active");
    const form = h("form", { novalidate: true },
      field("Document", "file_id", { tag: "select", options: [["", available.length ? "Choose a file of this portal" : "Upload the document first"], ...available.map((f) => [f.id, f.name])] }),
      h("fieldset", {}, h("legend", {}, "Signers"), active.length
        ? active.map((c) => h("div", { class: "row" }, h("input", { type: "checkbox", id: `signer-${c.id}`, name: "signer_ids", value: c.id }),
          h("label", { for: `signer-${c.id}`, style: "margin:0;font-weight:400" }, `${c.first_name} ${c.last_name}`)))
        : h("p", { class: "small muted", name: "signer_ids" }, "No contact has portal access yet: invite them first.")),
      field("Message (optional)", "message", { tag: "textarea" }),
      field("Due date (optional)", "due_date", { type: "date" }),
      h("p", {}, h("button", { type: "submit" }, "Send for signature")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      setBusy(form, true);
      try {
        const res = await api(S, "POST", `/api/staff/clients/${ctx.clientId}/signatures`, {
          file_id: form.file_id.value, message: form.message.value, due_date: form.due_date.value || null,
          signer_ids: [...form.querySelectorAll("input[name=signer_ids]:checked")].map((b) => b.value) });
        const failed = res.emails.filter((x) => x.outcome !== "sent");
        flash(failed.length ? `Sent for signature; ${failed.length} email(s) failed — the form is on their To-Do anyway.` : "Sent for signature. The signers were told by email.");
        await draw();
      } catch (err) { showError(form, err); setBusy(form, false); }
    });
    card.replaceChildren(h("h2", {}, "Signatures"), list, h("details", {}, h("summary", {}, "Send a document for signature"), form));
  };
  await draw();
  return card;
}

async function formDialog(ctx, formId) {
  const { body } = modal("Signature form");
  const f = await api("staff", "GET", `/api/staff/clients/${ctx.clientId}/signatures/${formId}`);
  const result = h("p", { "aria-live": "polite" });
  body.append(
    h("p", {}, h("strong", {}, f.document_name), h("span", { class: "muted small" }, ` · ${size(f.document_size)} · ${FORM_WORDS[f.status]}`)),
    h("p", { class: "small" }, "Document SHA-256: ", h("code", {}, f.document_sha256)),
    signersList(f),
    h("p", {}, h("button", { type: "button", class: "secondary", onclick: async () => {
      const v = await api("staff", "GET", `/api/staff/clients/${ctx.clientId}/signatures/${formId}/verify`);
      result.textContent = v.unchanged ? "The stored document is unchanged since it was sent for signature." : "The stored document has CHANGED since it was sent for signature.";
      result.className = v.unchanged ? "" : "problem";
    } }, "Check the document")),
    result,
    f.certificate ? h("p", {}, h("a", { href: `#/staff/clients/${ctx.clientId}/certificate/${formId}` }, "Open the completion certificate")) : null);
}

/** The drawn signature of a certificate's signer, if any (the form view maps contact → image). */
function drawingOf(form, certSigner) {
  const signer = form.signers.find((x) => x.name === certSigner.name && x.signed_at === certSigner.signed_at);
  return signer && form.drawings ? form.drawings[signer.contact_id] : null;
}

/** The completion certificate as a printable page (staff or contact). */
export async function certificateView(kind, clientId, formId) {
  const f = await api(kind, "GET", `${PREFIX[kind]}/clients/${clientId}/signatures/${formId}`);
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

/** A signer's page: read the document, agree, type the name, sign — or decline. */
export async function signView(clientId, formId) {
  const C = "contact";
  const f = await api(C, "GET", `/api/portal/clients/${clientId}/signatures/${formId}`);
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
      const d = await api(C, "GET", `/api/portal/clients/${clientId}/files/${f.file_id}/download`);
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
    h("div", { class: "row consent" }, h("input", { type: "checkbox", id: "consent", name: "consent" }),
      h("label", { for: "consent", style: "margin:0;font-weight:400" }, f.consent_text)),
    h("div", { class: "field-error", id: "consent-err" }),
    field("Type your full name to sign", "typed_name", { required: true, autocomplete: "name" }),
    pad.element,
    h("p", {}, h("button", { type: "submit" }, "Sign")));
  form.consent.setAttribute("aria-describedby", "consent-err");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!shownHash) { showError(form, { message: "Open the document and read it before signing.", fields: {} }); return; }
    setBusy(form, true);
    try {
      await api(C, "POST", `/api/portal/clients/${clientId}/signatures/${formId}/sign`, {
        typed_name: form.typed_name.value, consent: form.consent.checked, consent_version: f.consent_version, document_sha256: shownHash,
        drawn_signature: pad.drawn() ? pad.dataUrl() : null });
      flash(`You signed ${f.document_name}.`);
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) { showError(form, err); setBusy(form, false); }
  });
  const decline = h("form", { novalidate: true }, field("Why are you declining?", "reason", { tag: "textarea", required: true }), h("p", {}, h("button", { type: "submit", class: "secondary" }, "Decline to sign")));
  decline.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api(C, "POST", `/api/portal/clients/${clientId}/signatures/${formId}/decline`, { reason: decline.reason.value });
      flash("You declined to sign. Your firm sees your reason.");
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    } catch (err) { showError(decline, err); }
  });
  card.append(h("p", {}, openDoc), fingerprint, form, h("details", {}, h("summary", {}, "Decline to sign"), decline));
  return card;
}

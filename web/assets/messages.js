// Secure messages, for both sides: a client's threads with unread counts, a thread with its
// messages and a reply box, and a new thread (staff choose the contacts; a contact writes
// to the firm). Message bodies are inserted as text, never as HTML.
import { api } from "./api.js";
import { field, flash, h, setBusy, showError } from "./ui.js";

const PREFIX = { staff: "/api/staff", contact: "/api/portal" };

function when(iso) { return new Date(iso).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" }); }

function notifiedText(notifications) {
  const failed = notifications.filter((n) => n.outcome !== "sent");
  if (failed.length) return `Message sent. The email notification failed: ${failed.map((n) => n.reason).join("; ")}`;
  return notifications.length ? "Message sent. They were told by email (without the message itself)." : "Message sent.";
}

/** The list of threads with unread counts, and the form that starts one. `contacts` (staff
 * only) are the client's contacts with their portal status; `open(thread)` shows one. */
export async function threadsPanel(kind, clientId, { contacts = [], files = [], open }) {
  const panel = h("div", {});
  const draw = async () => {
    const { threads } = await api(kind, "GET", `${PREFIX[kind]}/clients/${clientId}/threads`);
    const list = threads.length
      ? h("ul", { class: "plain", id: "thread-list" }, threads.map((t) => h("li", { class: "row spread", "data-thread": t.id },
        h("button", { type: "button", class: "link", onclick: () => open(t, draw) }, t.subject),
        h("span", { class: "small muted" }, `${t.message_count} message${t.message_count === 1 ? "" : "s"} · ${when(t.last_message_at)} `,
          t.unread ? h("span", { class: "badge over", "data-unread": t.unread }, `${t.unread} unread`) : null))))
      : h("p", { class: "muted" }, "No messages yet.");
    const active = contacts.filter((c) => c.portal.status === "active");
    const form = h("form", { novalidate: true },
      field("Subject", "subject", { required: true, maxlength: 200 }),
      field("Message", "body", { tag: "textarea", required: true }),
      kind === "staff"
        ? h("fieldset", {}, h("legend", {}, "Share with"), active.length
          ? active.map((c) => h("div", { class: "row" }, h("input", { type: "checkbox", id: `msg-to-${c.id}`, name: "contact_ids", value: c.id }),
            h("label", { for: `msg-to-${c.id}`, style: "margin:0;font-weight:400" }, `${c.first_name} ${c.last_name}`)))
          : h("p", { class: "small muted", name: "contact_ids" }, "No contact has portal access yet: invite them first."))
        : null,
      attachPicker(files, "new"),
      h("p", {}, h("button", { type: "submit" }, kind === "staff" ? "Send message" : "Send to the firm")));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      setBusy(form, true);
      try {
        const body = { subject: form.subject.value, body: form.body.value };
        if (kind === "staff") body.contact_ids = [...form.querySelectorAll("input[name=contact_ids]:checked")].map((b) => b.value);
        body.file_ids = picked(form);
        const res = await api(kind, "POST", `${PREFIX[kind]}/clients/${clientId}/threads`, body);
        flash(notifiedText(res.notifications));
        await draw();
      } catch (err) { showError(form, err); setBusy(form, false); }
    });
    panel.replaceChildren(list, h("details", {}, h("summary", {}, "New message"), form));
  };
  await draw();
  return panel;
}

/** Files of the portal to attach (staff: shared with the thread's contacts on sending). */
function attachPicker(files, prefix) {
  const ready = files.filter((f) => f.status === "available");
  if (!ready.length) return null;
  return h("details", {}, h("summary", {}, "Attach files"), ready.map((f) => h("div", { class: "row" },
    h("input", { type: "checkbox", id: `${prefix}-attach-${f.id}`, name: "file_ids", value: f.id }),
    h("label", { for: `${prefix}-attach-${f.id}`, style: "margin:0;font-weight:400" }, f.name))));
}

function picked(form) { return [...form.querySelectorAll("input[name=file_ids]:checked")].map((b) => b.value); }

/** One thread: its messages (opening it marks it read) and the reply box. */
export async function threadDetail(kind, clientId, threadId, { onChange, download, files = [] } = {}) {
  const box = h("div", { class: "thread" });
  const draw = async () => {
    const { thread, messages } = await api(kind, "GET", `${PREFIX[kind]}/clients/${clientId}/threads/${threadId}`);
    const reply = h("form", { novalidate: true }, field("Reply", "body", { tag: "textarea", required: true }), attachPicker(files, "reply"),
      h("p", {}, h("button", { type: "submit" }, "Send reply")));
    reply.addEventListener("submit", async (e) => {
      e.preventDefault();
      setBusy(reply, true);
      try {
        const res = await api(kind, "POST", `${PREFIX[kind]}/clients/${clientId}/threads/${threadId}/messages`, { body: reply.body.value, file_ids: picked(reply) });
        flash(notifiedText(res.notifications));
        await draw();
        if (onChange) await onChange();
      } catch (err) { showError(reply, err); setBusy(reply, false); }
    });
    box.replaceChildren(
      h("h3", {}, thread.subject),
      h("ol", { class: "plain messages" }, messages.map((m) => h("li", { "data-seq": m.seq, class: m.by.kind === (kind === "staff" ? "staff" : "contact") ? "mine" : "" },
        h("div", { class: "small muted" }, `${m.by.name || m.by.kind} · ${when(m.at)}`),
        h("p", { class: "message-body" }, m.body),
        m.attachments.length ? h("p", { class: "small" }, "Attached: ", m.attachments.map((a) => download
          ? h("button", { type: "button", class: "link", onclick: () => download(a.file_id) }, a.name) : a.name)) : null))),
      reply);
  };
  await draw();
  if (onChange) await onChange();
  return box;
}

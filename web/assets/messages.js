// Secure messages, for both sides: a client's threads with unread counts, a thread with its
// messages and a reply box, and a new thread (staff choose the contacts; a contact writes
// to the firm). Message bodies are inserted as text, never as HTML.
import { threads } from "./api-threads.js";
import { checkbox, checkedValues, contactChecks, field, flash, h, onSubmit, pagedList } from "./ui.js";

function when(iso) { return new Date(iso).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" }); }

function notifiedText(notifications) {
  // "held": they were emailed about new messages here a few minutes ago, which covers this one.
  const failed = notifications.filter((n) => n.outcome === "failed");
  if (failed.length) return `Message sent. The email notification failed: ${failed.map((n) => n.reason).join("; ")}`;
  return notifications.length ? "Message sent. They were told by email (without the message itself)." : "Message sent.";
}

/** The list of threads with unread counts, and the form that starts one. `contacts` (staff
 * only) are the client's contacts with their portal status; `open(thread)` shows one. */
export async function threadsPanel(kind, clientId, { contacts = [], files = [], open }) {
  const panel = h("div", {});
  const draw = async () => {
    const list = await pagedList((cursor) => threads[kind].list(clientId, { cursor }), (t) => h("li", { class: "row spread", "data-thread": t.id },
      h("button", { type: "button", class: "link", onclick: () => open(t, draw) }, t.subject),
      h("span", { class: "small muted" }, `${t.message_count} message${t.message_count === 1 ? "" : "s"} · ${when(t.last_message_at)} `,
        t.unread ? h("span", { class: "badge over", "data-unread": t.unread }, `${t.unread} unread`) : null)),
    { attrs: { class: "plain", id: "thread-list" }, empty: "No messages yet." });
    const active = contacts.filter((c) => c.portal.status === "active");
    const form = h("form", { novalidate: true },
      field("Subject", "subject", { required: true, maxlength: 200 }),
      field("Message", "body", { tag: "textarea", required: true }),
      kind === "staff"
        ? contactChecks(active, { legend: "Share with", name: "contact_ids", prefix: "msg-to", empty: "No contact has portal access yet: invite them first." })
        : null,
      attachPicker(files, "new"),
      h("p", {}, h("button", { type: "submit" }, kind === "staff" ? "Send message" : "Send to the firm")));
    onSubmit(form, async () => {
      const body = { subject: form.subject.value, body: form.body.value };
      if (kind === "staff") body.contact_ids = checkedValues(form, "contact_ids");
      body.file_ids = checkedValues(form, "file_ids");
      const res = await threads[kind].start(clientId, body);
      flash(notifiedText(res.notifications));
      await draw();
    }, { stayBusy: true });
    panel.replaceChildren(list, h("details", {}, h("summary", {}, "New message"), form));
  };
  await draw();
  return panel;
}

/** Files of the portal to attach (staff: shared with the thread's contacts on sending). */
function attachPicker(files, prefix) {
  const ready = files.filter((f) => f.status === "available");
  if (!ready.length) return null;
  return h("details", {}, h("summary", {}, "Attach files"),
    ready.map((f) => checkbox({ id: `${prefix}-attach-${f.id}`, name: "file_ids", value: f.id }, f.name)));
}

/** One thread: its messages (opening it marks it read) and the reply box. */
export async function threadDetail(kind, clientId, threadId, { onChange, download, files = [] } = {}) {
  const box = h("div", { class: "thread" });
  const draw = async () => {
    // The newest page first (it marks the thread read); "Show earlier" puts older pages on top.
    const first = await threads[kind].get(clientId, threadId);
    const { thread } = first;
    const message = (m) => h("li", { "data-seq": m.seq, class: m.by.kind === (kind === "staff" ? "staff" : "contact") ? "mine" : "" },
      h("div", { class: "small muted" }, `${m.by.name || m.by.kind} · ${when(m.at)}`),
      h("p", { class: "message-body" }, m.body),
      m.attachments.length ? h("p", { class: "small" }, "Attached: ", m.attachments.map((a) => download
        ? h("button", { type: "button", class: "link", onclick: () => download(a.file_id) }, a.name) : a.name)) : null);
    const messages = await pagedList((cursor) => (cursor ? threads[kind].get(clientId, threadId, { cursor }) : first), message,
      { tag: "ol", attrs: { class: "plain messages" }, empty: "No messages.", reverse: true });
    const reply = h("form", { novalidate: true }, field("Reply", "body", { tag: "textarea", required: true }), attachPicker(files, "reply"),
      h("p", {}, h("button", { type: "submit" }, "Send reply")));
    onSubmit(reply, async () => {
      const res = await threads[kind].reply(clientId, threadId, { body: reply.body.value, file_ids: checkedValues(reply, "file_ids") });
      flash(notifiedText(res.notifications));
      await draw();
      if (onChange) await onChange();
    }, { stayBusy: true });
    box.replaceChildren(
      h("h3", {}, thread.subject),
      messages,
      reply);
  };
  await draw();
  if (onChange) await onChange();
  return box;
}

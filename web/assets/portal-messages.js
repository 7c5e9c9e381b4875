// The contact's Messages: the threads with the firm, and one thread with its reply box.
import { MAX_PAGE } from "./api.js";
import { files } from "./api-files.js";
import { threadDetail, threadsPanel } from "./messages.js";
import { h } from "./ui.js";

const C = "contact";

export async function messagesView(clientId) {
  const panel = await threadsPanel(C, clientId, { open: (t) => { location.hash = `#/portal/clients/${clientId}/messages/${t.id}`; } });
  return h("section", { class: "card" }, h("h2", {}, "Messages"), panel);
}

export async function messageView(clientId, threadId) {
  const download = (fileId) => files.contact.download(clientId, fileId);
  // A contact attaches files they uploaded (Files → Add a File).
  const { items: all } = await files.contact.list(clientId, { limit: MAX_PAGE });
  const mine = all.filter((f) => f.uploaded_by.kind === "contact");
  return h("section", { class: "card" }, h("p", {}, h("a", { href: `#/portal/clients/${clientId}/messages` }, "← Messages")),
    await threadDetail(C, clientId, threadId, { download, files: mine }));
}

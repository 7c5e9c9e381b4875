// Staff: the client's messages card; a thread opens in a window.
import { MAX_PAGE } from "./api.js";
import { files } from "./api-files.js";
import { threadDetail, threadsPanel } from "./messages.js";
import { h, modal } from "./ui.js";

const S = "staff";

export async function messagesCard(ctx) {
  const download = (fileId) => files.staff.download(ctx.clientId, fileId);
  // The newest files, as many as one page holds, to attach.
  const { items: all } = await files.staff.list(ctx.clientId, { limit: MAX_PAGE });
  const panel = await threadsPanel(S, ctx.clientId, {
    contacts: ctx.client.contacts,
    files: all,
    open: async (t, redraw) => {
      const { body } = modal(`Messages — ${t.subject}`);
      body.append(await threadDetail(S, ctx.clientId, t.id, { onChange: redraw, download, files: all }));
    },
  });
  return h("section", { class: "card", id: "messages" }, h("h2", {}, "Messages"), panel);
}

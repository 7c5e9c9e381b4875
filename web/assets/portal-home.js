// The contact's Home: To-Do, unread messages, recent files and (when enabled) the balance.
import { fmtDate, h, money } from "./ui.js";

const due = (date) => (date ? h("span", { class: "muted small" }, ` · due ${fmtDate(date)}`) : "");

export function homeView(home, base) {
  const todo = home.todo;
  const unread = home.messages.unread_messages;
  return h("div", {},
    h("section", { class: "card" }, h("h2", {}, "To-Do"),
      h("p", {}, `${todo.open} open`, todo.overdue ? h("span", { class: "badge over" }, ` ${todo.overdue} overdue`) : ""),
      todo.items.length || todo.signatures.length ? h("ul", { class: "plain" },
        todo.signatures.map((s) => h("li", { "data-form": s.id }, h("a", { href: `${base}/sign/${s.id}` }, `Sign: ${s.document_name}`), due(s.due_date))),
        todo.items.map((r) => h("li", {}, h("a", { href: `${base}/todo/${r.id}` }, r.title), due(r.due_date)))) : h("p", { class: "muted" }, "Nothing to do right now.")),
    h("section", { class: "card" }, h("h2", {}, "Messages"),
      h("p", { id: "unread-summary" }, unread
        ? `${unread} unread message${unread === 1 ? "" : "s"} from ${home.firm_name}`
        : "No unread messages."),
      h("a", { href: `${base}/messages` }, "Open messages")),
    h("section", { class: "card" }, h("h2", {}, "Files"),
      home.recent_files.length ? h("ul", { class: "plain" }, home.recent_files.map((f) => h("li", {}, f.name, h("span", { class: "muted small" }, ` · ${fmtDate(f.created_at)}`)))) : h("p", { class: "muted" }, "No files yet."),
      h("a", { class: "button", href: `${base}/files` }, "Add a File")),
    home.billing ? h("section", { class: "card" }, h("h2", {}, "Billing"),
      home.billing.balances.length ? home.billing.balances.map((b) => h("p", {}, "Outstanding balance: ", h("strong", {}, money(b.amount, b.currency)))) : h("p", {}, "Nothing outstanding."),
      h("a", { href: `${base}/billing` }, "Invoices and payment history")) : null);
}

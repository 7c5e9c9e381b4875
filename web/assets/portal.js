// Client side: the routes of #/portal/… — sign in, user settings, and a client's portal
// with its sections (Home, To-Do, Messages, Files, Billing when the firm enables it).
import { me } from "./api-me.js";
import { applyBrand } from "./brand.js";
import { certificateView } from "./certificate.js";
import { signInView, signedIn } from "./sign-in.js";
import { billingView } from "./portal-billing.js";
import { filesView } from "./portal-files.js";
import { homeView } from "./portal-home.js";
import { messageView, messagesView } from "./portal-messages.js";
import { requestView } from "./portal-request.js";
import { settingsView } from "./portal-settings.js";
import { signView } from "./portal-sign.js";
import { todoView } from "./portal-todo.js";
import { h } from "./ui.js";

const C = "contact";

export function route(parts) {
  if (parts[0] === "sign-in") { applyBrand(null); return signInView(C); }
  return signedIn(C, async () => {
    const who = await me.get();
    applyBrand(who);
    if (parts[0] === "settings") return settingsView(who);
    const clientId = parts[0] === "clients" && parts[1] ? parts[1] : who.clients[0]?.id;
    if (!clientId) return h("section", { class: "card" }, h("h1", {}, "No portal yet"), h("p", {}, "Your firm has not given you access to a client portal yet."));
    return portalView(who, clientId, parts[2] || "home", parts[3]);
  });
}

/** The section of a tab (`sub`: one request, form, certificate or thread of it). */
function section(home, clientId, tab, sub, base) {
  if (tab === "todo" && sub) return requestView(clientId, sub);
  if (tab === "sign" && sub) return signView(clientId, sub);
  if (tab === "certificate" && sub) return certificateView(C, clientId, sub);
  if (tab === "messages" && sub) return messageView(clientId, sub);
  if (tab === "messages") return messagesView(clientId);
  if (tab === "todo") return todoView(clientId);
  if (tab === "files") return filesView(clientId);
  if (tab === "billing" && home.billing) return billingView(clientId);
  return homeView(home, base);
}

async function portalView(who, clientId, tab, sub) {
  const home = await me.home(clientId);
  const base = `#/portal/clients/${clientId}`;
  const unread = home.messages.unread_messages;
  const tabs = [["home", "Home"], ["todo", "To-Do"], ["messages", unread ? `Messages (${unread} unread)` : "Messages"], ["files", "Files"]];
  if (home.billing) tabs.push(["billing", "Billing"]);
  const switcher = who.clients.length > 1
    ? h("div", {}, h("label", { for: "portal-switch" }, "Portal"),
      h("select", { id: "portal-switch", onchange: (e) => { location.hash = `#/portal/clients/${e.target.value}`; } },
        who.clients.map((c) => h("option", { value: c.id, selected: c.id === clientId }, c.name))))
    : null;
  const content = await section(home, clientId, tab, sub, base);
  return h("div", {},
    h("div", { class: "row spread" }, h("h1", {}, home.client.name), switcher),
    h("nav", { class: "tabs", "aria-label": "Portal sections" }, tabs.map(([id, label]) =>
      h("a", { href: id === "home" ? base : `${base}/${id}`, "aria-current": (tab === id ? "page" : false) }, label))),
    content,
    h("footer", { class: "portal" },
      h("a", { href: "#/portal/settings" }, "User settings"),
      h("a", { href: "#/portal/settings" }, "Update personal information"),
      home.help_center_url ? h("a", { href: home.help_center_url, rel: "noopener noreferrer", target: "_blank" }, "Help") : null,
      h("span", { class: "muted small" }, `Shared with you by ${home.firm_name}`)));
}
